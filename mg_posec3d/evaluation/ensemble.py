"""Late fusion of score dumps: weighted sum of class probabilities, matched by sample id.

The MiGA 2023 winning entry fused a joint-heatmap and a limb-heatmap PoseC3D as ``0.4 * joint + 0.6 * limb``
(weights 2:3) and took the argmax. Here any number of dumps can be fused, by the project's one fusion rule
(:mod:`.fusion`: 2:3 for two inputs, equal weights otherwise, normalised to sum to 1).

Weight search is a grid over the simplex on a labelled split; it is only honest when the weights are then
applied to a different split (search on val, apply to test), which is why the search records a fingerprint
of the samples it saw.
"""
from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..fileio import ScoreDump, atomic_open, load_scores, save_scores
from . import metrics as M
from .fusion import PROB_TOLERANCE, FusionError, fuse, normalise_weights


class EnsembleError(FusionError):
    """Dumps that cannot be fused (different samples, classes or labels), or bad weights files."""


def _preview(ids: Sequence[str], n: int = 5) -> str:
    ids = sorted(ids)
    more = f', ... ({len(ids) - n} more)' if len(ids) > n else ''
    return ', '.join(repr(i) for i in ids[:n]) + more


def ids_fingerprint(ids: Sequence[str]) -> str:
    """Order-independent hash of a sample set (used to tell whether weights are applied to the split they
    were searched on)."""
    return hashlib.sha1('\n'.join(sorted(ids)).encode()).hexdigest()


def check_probabilities(dump: ScoreDump) -> None:
    """Fusion of probabilities is what the method uses; logits would weight models by their scale."""
    s = dump.scores
    if not np.all(np.isfinite(s)):
        i = int(np.argwhere(~np.isfinite(s))[0, 0])
        raise EnsembleError(f'{dump.path}: sample {dump.ids[i]!r}: field scores holds non-finite values')
    if s.size and s.min() < -PROB_TOLERANCE:
        i = int(np.argwhere(s < -PROB_TOLERANCE)[0, 0])
        raise EnsembleError(f'{dump.path}: sample {dump.ids[i]!r}: field scores has negative values; '
                            'dumps must hold softmax probabilities, not logits')
    bad = np.abs(s.sum(axis=1) - 1.0) > PROB_TOLERANCE
    if bad.any():
        i = int(np.argmax(bad))
        raise EnsembleError(f'{dump.path}: sample {dump.ids[i]!r}: field scores sums to {s[i].sum():.4f}, '
                            'not 1; dumps must hold softmax probabilities, not logits')


@dataclass
class AlignedDumps:
    """Dumps reordered to one shared sample order (the first dump's)."""
    ids: list[str]
    scores: list[np.ndarray]  # one [N, C] per input
    labels: np.ndarray  # int64 [N], -1 where no input knows the label
    class_names: list[str]
    names: list[str]  # input paths, for reports

    @property
    def num_classes(self) -> int:
        return self.scores[0].shape[1]

    @property
    def labelled(self) -> np.ndarray:
        return self.labels >= 0


def align_dumps(dumps: Sequence[ScoreDump]) -> AlignedDumps:
    """Match dumps by sample id (never by position); refuse differing id sets, class counts, class names or
    conflicting labels with an error that names the files and shows the differences."""
    if not dumps:
        raise EnsembleError('no score dumps to fuse')
    ref = dumps[0]
    for d in dumps:
        dups = [i for i, c in Counter(d.ids).items() if c > 1]
        if dups:
            raise EnsembleError(f'{d.path}: {len(dups)} sample ids occur more than once: {_preview(dups)}')
        check_probabilities(d)
    ref_set = set(ref.ids)
    for d in dumps[1:]:
        other = set(d.ids)
        if other != ref_set:
            only_ref, only_d = ref_set - other, other - ref_set
            raise EnsembleError(
                f'score dumps cover different samples (fusion matches by id):\n'
                f'  {ref.path}: {len(ref_set)} ids, {len(only_ref)} not in the other'
                + (f': {_preview(only_ref)}' if only_ref else '') + '\n'
                f'  {d.path}: {len(other)} ids, {len(only_d)} not in the other'
                + (f': {_preview(only_d)}' if only_d else '') + '\n'
                '  Were both dumps made on the same split and annotation file?')
        if d.scores.shape[1] != ref.scores.shape[1]:
            raise EnsembleError(f'{d.path} has {d.scores.shape[1]} classes but {ref.path} has '
                                f'{ref.scores.shape[1]}')
    names = None
    for d in dumps:
        if d.class_names is None:
            continue
        if names is None:
            names, names_from = list(d.class_names), d.path
        elif list(d.class_names) != names:
            diff = next(i for i, (a, b) in enumerate(zip(names, d.class_names)) if a != b) \
                if len(names) == len(d.class_names) else None
            where = f'first difference at class {diff}: {names[diff]!r} vs {d.class_names[diff]!r}' \
                if diff is not None else f'{len(names)} vs {len(d.class_names)} names'
            raise EnsembleError(f'{names_from} and {d.path} have different class_names ({where})')
    num_classes = ref.scores.shape[1]
    if names is not None and len(names) != num_classes:
        raise EnsembleError(f'{names_from}: {len(names)} class_names for {num_classes} score columns')
    order = ref.ids
    scores, labels = [], np.full(len(order), -1, np.int64)
    for d in dumps:
        pos = {i: k for k, i in enumerate(d.ids)}
        idx = np.fromiter((pos[i] for i in order), dtype=np.int64, count=len(order))
        scores.append(d.scores[idx])
        if d.labels is None:
            continue
        lab = d.labels[idx]
        conflict = (lab >= 0) & (labels >= 0) & (lab != labels)
        if conflict.any():
            k = int(np.argmax(conflict))
            raise EnsembleError(f'{d.path}: sample {order[k]!r}: field labels is {lab[k]} but an earlier '
                                f'dump says {labels[k]}')
        if lab.size and lab.max() >= num_classes:
            k = int(np.argmax(lab >= num_classes))
            raise EnsembleError(f'{d.path}: sample {order[k]!r}: label {lab[k]} outside [0, {num_classes})')
        labels = np.where(labels >= 0, labels, lab)
    return AlignedDumps(ids=list(order), scores=scores, labels=labels,
                        class_names=names or [str(i) for i in range(num_classes)],
                        names=[d.path or f'input{k}' for k, d in enumerate(dumps)])


@dataclass
class EnsembleResult:
    aligned: AlignedDumps
    weights: np.ndarray  # normalised
    fused: np.ndarray  # [N, C]
    input_metrics: list[dict] | None = None  # evaluate() per input, over the labelled samples
    fused_metrics: dict | None = None

    @property
    def ids(self) -> list[str]:
        return self.aligned.ids

    def save(self, path: str | os.PathLike) -> str:
        """The fused scores as a dump (same format as the inputs; can be fused again)."""
        return save_scores(path, self.aligned.ids, self.fused.astype(np.float32), self.aligned.labels,
                           self.aligned.class_names)


def ensemble_dumps(dumps: Sequence[ScoreDump | str | os.PathLike],
             weights: Sequence[float] | None = None) -> EnsembleResult:
    """Fuse dumps (objects or paths); metrics per input and fused where labels are known."""
    dumps = [d if isinstance(d, ScoreDump) else load_scores(d) for d in dumps]
    return ensemble_aligned(align_dumps(dumps), weights)


def ensemble_aligned(aligned: AlignedDumps, weights: Sequence[float] | None = None) -> EnsembleResult:
    """``ensemble_dumps`` for dumps already matched by id."""
    fused = fuse(aligned.scores, weights)  # from the weights as given: the demo fuses the same way, bit for bit
    result = EnsembleResult(aligned=aligned, weights=normalise_weights(weights, len(aligned.scores)), fused=fused)
    mask = aligned.labelled
    if mask.any():
        result.input_metrics = [M.evaluate(s[mask], aligned.labels[mask]) for s in aligned.scores]
        result.fused_metrics = M.evaluate(fused[mask], aligned.labels[mask])
    return result


# ----------------------------------------------------------------------------------------------- search
SEARCH_METRICS = ('top1', 'mean_class')


def simplex_grid(n: int, step: float) -> np.ndarray:
    """All weight vectors of n non-negative multiples of ``step`` summing to 1 ([G, n])."""
    if n < 1:
        raise EnsembleError('need at least one input')
    m = round(1.0 / step) if step > 0 else 0
    if m < 1 or abs(m * step - 1.0) > 1e-9:
        raise EnsembleError(f'--search-step must divide 1 (e.g. 0.05, 0.1, 0.25), got {step}')
    size = math.comb(m + n - 1, n - 1)
    if size > 500_000:
        raise EnsembleError(f'the weight grid has {size} points for {n} inputs at step {step}; '
                            'use a larger step')
    # stars and bars: choose n-1 cut points among m + n - 1 slots
    rows = []
    for cuts in itertools.combinations(range(m + n - 1), n - 1):
        bounds = (-1,) + cuts + (m + n - 1,)
        rows.append([bounds[i + 1] - bounds[i] - 1 for i in range(n)])
    return np.asarray(rows, dtype=np.float64) / m


def _score_for(fused: np.ndarray, labels: np.ndarray, metric: str, num_classes: int) -> float:
    if metric == 'top1':   # mmaction2's rule for equal scores, as evaluate() reports it
        return M.top_k_accuracy(fused, labels, (1,))[0]
    pred = fused.argmax(axis=1)
    cm = np.bincount(labels * num_classes + pred, minlength=num_classes ** 2)
    cm = cm.reshape(num_classes, num_classes)
    support = cm.sum(axis=1)
    present = (support > 0) | (cm.sum(axis=0) > 0)
    recall = np.divide(np.diag(cm), support, out=np.zeros(num_classes), where=support > 0)
    return float(recall[present].mean())


@dataclass
class WeightSearchResult:
    best_weights: np.ndarray  # normalised
    best_score: float
    default_weights: np.ndarray  # normalised
    default_score: float
    metric: str
    step: float
    num_candidates: int
    num_samples: int
    fingerprint: str
    inputs: list[str]
    best_metrics: dict = field(default_factory=dict)
    default_metrics: dict = field(default_factory=dict)

    @property
    def gain(self) -> float:
        return self.best_score - self.default_score

    def to_json(self) -> dict:
        return dict(
            weights=[round(float(w), 6) for w in self.best_weights],
            inputs=self.inputs, metric=self.metric, step=self.step, searched_on=dict(
                num_samples=self.num_samples, ids_sha1=self.fingerprint, inputs=self.inputs),
            best=dict(weights=[float(w) for w in self.best_weights], score=self.best_score,
                      metrics=self.best_metrics),
            default=dict(weights=[float(w) for w in self.default_weights], score=self.default_score,
                         metrics=self.default_metrics),
            gain=self.gain, num_candidates=self.num_candidates,
            created=datetime.datetime.now().isoformat(timespec='seconds'),
            note='searched on a labelled split; apply these weights to a different split (--weights-file)')

    def save(self, path: str | os.PathLike) -> str:
        with atomic_open(path, 'w') as f:
            json.dump(self.to_json(), f, indent=2)
            f.write('\n')
        return os.fspath(path)


def search_weights(aligned: AlignedDumps, step: float = 0.05, metric: str = 'top1',
                   reference: Sequence[float] | None = None) -> WeightSearchResult:
    """Grid search over the simplex for the weights maximising ``metric`` on a fully labelled split.

    Ties go to the candidate nearest (L2) the reference weights (default 2:3 / equal), and the reference
    itself is always a candidate, so the reported gain over it is never negative.
    """
    if metric not in SEARCH_METRICS:
        raise EnsembleError(f'unknown search metric {metric!r}; choose from {SEARCH_METRICS}')
    if not aligned.labelled.all():
        n = int((~aligned.labelled).sum())
        raise EnsembleError(f'weight search needs a label for every sample; {n} of {len(aligned.ids)} have '
                            'none (a test split?). Search on the labelled val split and apply the saved '
                            'weights to test with --weights-file.')
    ref = normalise_weights(reference, len(aligned.scores))
    grid = np.vstack([ref[None], simplex_grid(len(aligned.scores), step)])
    labels, c = aligned.labels, aligned.num_classes
    stack = np.stack([np.asarray(s, np.float64) for s in aligned.scores])  # [n, N, C]
    scores = np.empty(len(grid))
    for g, w in enumerate(grid):
        scores[g] = _score_for(np.tensordot(w, stack, axes=1), labels, metric, c)  # fuse(), vectorised
    ref_score = float(scores[0])
    dist = np.linalg.norm(grid - ref, axis=1)
    best_score = scores.max()
    # exact ties only: all candidates share the same sample count, so equal fractions are equal floats
    ties = np.flatnonzero(scores == best_score)
    best = int(ties[np.argmin(dist[ties])])
    return WeightSearchResult(
        best_weights=grid[best], best_score=float(best_score), default_weights=ref, default_score=ref_score,
        metric=metric, step=step, num_candidates=len(grid) - 1, num_samples=len(labels),
        fingerprint=ids_fingerprint(aligned.ids), inputs=list(aligned.names),
        best_metrics=M.evaluate(fuse(aligned.scores, grid[best]), labels),
        default_metrics=M.evaluate(fuse(aligned.scores, ref), labels))


@dataclass
class SavedWeights:
    weights: np.ndarray
    fingerprint: str | None
    inputs: list[str]
    path: str
    metric: str | None = None
    num_samples: int | None = None


def load_weights_file(path: str | os.PathLike, n: int) -> SavedWeights:
    """Read weights saved by a search; checks they fit ``n`` inputs."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such weights file')
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise EnsembleError(f'{path}: not a readable weights JSON: {e}') from e
    if not isinstance(data, dict) or not isinstance(data.get('weights'), list):
        raise EnsembleError(f'{path}: field weights missing (expected a JSON object written by '
                            '--search-weights)')
    try:
        w = normalise_weights([float(x) for x in data['weights']], n)
    except (TypeError, ValueError) as e:
        raise EnsembleError(f'{path}: field weights: {e}') from e
    searched = data.get('searched_on') or {}
    return SavedWeights(weights=w, fingerprint=searched.get('ids_sha1'),
                        inputs=list(data.get('inputs') or []), path=path,
                        metric=data.get('metric'), num_samples=searched.get('num_samples'))
