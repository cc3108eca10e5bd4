"""Per-sample score dumps: what ``tools/test.py`` writes and ``tools/test.py --ensemble`` reads.

A dump is an ``.npz`` (no pickled objects; loaded with ``allow_pickle=False``) holding
``ids`` (str [N], the annotation ``frame_dir``), ``scores`` (float32 [N, C], class probabilities, clips
averaged), ``labels`` (int64 [N], -1 where unknown, e.g. a test split) and optionally ``class_names``.
"""
from __future__ import annotations

import os
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

    @property
    def has_labels(self) -> bool:
        return self.labels is not None and bool(np.all(self.labels >= 0))


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
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such score dump')
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = {'ids', 'scores'} - set(z.files)
            if missing:
                raise ValueError(f'{path}: not a score dump, missing fields {sorted(missing)}')
            ids = [str(i) for i in z['ids']]
            scores = z['scores'].astype(np.float32)
            labels = z['labels'].astype(np.int64) if 'labels' in z.files else None
            names = [str(c) for c in z['class_names']] if 'class_names' in z.files else None
    except (OSError, ValueError) as e:
        if str(e).startswith(path):
            raise
        raise ValueError(f'{path}: not a readable score dump (.npz written by tools/test.py): {e}') from e
    if scores.ndim != 2 or scores.shape[0] != len(ids):
        raise ValueError(f'{path}: field scores has shape {scores.shape}, expected [{len(ids)}, C]')
    return ScoreDump(ids=ids, scores=scores, labels=labels, class_names=names, path=path)
