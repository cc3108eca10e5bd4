"""Per-sample score dumps: what ``tools/test.py`` writes and ``tools/test.py --ensemble`` reads.

A dump is an ``.npz`` (no pickled objects; loaded with ``allow_pickle=False``) holding
``ids`` (str [N], the annotation ``frame_dir``), ``scores`` (float32 [N, C], class probabilities, clips
averaged), ``labels`` (int64 [N], -1 where unknown, e.g. a test split) and optionally ``class_names``.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .atomic import atomic_open


@dataclass
class ScoreDump:
    ids: list[str]
    scores: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] | None = None
    path: str = ''


def save_scores(path: str | os.PathLike, ids, scores, labels=None, class_names=None) -> str:
    scores = np.asarray(scores, dtype=np.float32)
    ids = [str(i) for i in ids]
    if scores.ndim != 2 or scores.shape[0] != len(ids):
        raise ValueError(f'{path}: scores must be [N, C] with N = len(ids) = {len(ids)}, got {scores.shape}')
    arrays = dict(ids=np.asarray(ids, dtype=str), scores=scores)
    arrays['labels'] = (np.full(len(ids), -1, np.int64) if labels is None
                        else np.asarray(labels, dtype=np.int64).reshape(len(ids)))
    if class_names is not None:
        arrays['class_names'] = np.asarray([str(c) for c in class_names], dtype=str)
    with atomic_open(path, 'wb') as f:  # to a file object np.savez adds no '.npz' to the name
        np.savez(f, **arrays)
    return os.fspath(path)


def load_scores(path: str | os.PathLike) -> ScoreDump:
    """Read a dump written by :func:`save_scores`, checking every field (one message lists all problems)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such score dump')
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = {'ids', 'scores'} - set(z.files)
            if missing:
                raise ValueError(f'{path}: not a score dump, missing fields {sorted(missing)}')
            fields = {k: z[k] for k in ('ids', 'scores', 'labels', 'class_names') if k in z.files}
    except (OSError, ValueError) as e:
        if str(e).startswith(path):
            raise
        raise ValueError(f'{path}: not a readable score dump (.npz written by tools/test.py): {e}') from e
    problems = _dump_problems(fields)
    if problems:
        raise ValueError(f'{path}: not a valid score dump: ' + '; '.join(problems))
    labels = fields.get('labels')
    names = fields.get('class_names')
    return ScoreDump(ids=[str(i) for i in fields['ids']], scores=fields['scores'].astype(np.float32),
                     labels=None if labels is None else labels.astype(np.int64),
                     class_names=None if names is None else [str(c) for c in names], path=path)


def _dump_problems(fields: dict) -> list[str]:
    """What is wrong with the arrays of a dump (empty when nothing): shapes, types, finiteness, unique ids.
    Without these checks a short or 2-D ``labels`` failed later with an IndexError, complex scores lost their
    imaginary part silently, float labels were truncated."""
    ids, scores = fields['ids'], fields['scores']
    if ids.ndim != 1:
        return [f'field ids has shape {ids.shape}, expected [N] (one id per sample)']
    n = len(ids)
    out = []
    if scores.dtype.kind not in 'fiu':
        out.append(f'field scores has dtype {scores.dtype}, expected real numbers (float)')
    elif scores.ndim != 2 or scores.shape[0] != n:
        out.append(f'field scores has shape {scores.shape}, expected [{n}, C] (one row per id)')
    elif not np.isfinite(scores).all():
        bad = ~np.isfinite(scores).all(axis=1)
        out.append(f'field scores holds non-finite values (NaN/inf) in {int(bad.sum())} sample(s), e.g. '
                   f'{str(ids[int(np.argmax(bad))])!r}')
    ok_scores = not out
    labels = fields.get('labels')
    if labels is not None:
        if labels.dtype.kind not in 'iu':
            out.append(f'field labels has dtype {labels.dtype}, expected integers (-1 = unknown)')
        elif labels.shape != (n,):
            out.append(f'field labels has shape {labels.shape}, expected [{n}] (one per id)')
        elif ok_scores and n and (labels.min() < -1 or labels.max() >= scores.shape[1]):
            k = int(np.argmax((labels < -1) | (labels >= scores.shape[1])))
            out.append(f'field labels: sample {str(ids[k])!r} has label {int(labels[k])}, outside '
                       f'[0, {scores.shape[1]}) (and not -1 = unknown)')
    names = fields.get('class_names')
    if names is not None and ok_scores and names.shape != (scores.shape[1],):
        out.append(f'field class_names has shape {names.shape}, expected [{scores.shape[1]}] (one per class)')
    counts = Counter(str(i) for i in ids)
    dups = [i for i, c in counts.items() if c > 1]
    if dups:
        out.append(f'field ids: {len(dups)} id(s) occur more than once, e.g. {dups[0]!r} '
                   f'({counts[dups[0]]} times)')
    return out
