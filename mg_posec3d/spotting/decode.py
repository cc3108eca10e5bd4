"""Per-frame class probabilities -> segments: per-class smoothing, thresholds, minimum length, temporal NMS.

Input: ``probs`` [T, C + 1], the (fused) probabilities of the window centred on each frame, with the
background class at index ``background``. Two rules:

* ``class`` (default): for each gesture class c, the runs of frames where the smoothed probability of c is at
  least its threshold become candidates (score: mean probability of c over the run);
* ``actionness``: the runs where the smoothed ``1 - p(background)`` is at least the threshold become candidates,
  labelled with the class of highest mean probability over the run (robust when the model hesitates between
  classes inside one gesture; per-class thresholds do not apply).

Candidates shorter than ``min_len`` frames are dropped; then temporal NMS across classes (one person makes one
micro-gesture at a time): by decreasing score, a candidate whose frame IoU with a kept one exceeds ``nms`` is
dropped. Segments are ``(label, start, end)`` with ``end`` included.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

MODES = ('class', 'actionness')


@dataclass
class DecodeParams:
    threshold: float | list[float] = 0.5  # one for all classes, or one per gesture class (mode 'class')
    smooth: int = 5  # moving average over this many frames (1 = none)
    min_len: int = 3  # frames
    nms: float = 0.3  # frame IoU above which the lower-scoring of two segments is dropped
    mode: str = 'class'

    def check(self, num_classes: int | None = None) -> DecodeParams:
        if self.mode not in MODES:
            raise ValueError(f'decode mode must be one of {MODES}, got {self.mode!r}')
        thr = self.threshold if isinstance(self.threshold, (list, tuple)) else [self.threshold]
        if not all(0 <= float(t) <= 1 for t in thr):
            raise ValueError(f'thresholds must be in [0, 1], got {self.threshold}')
        if isinstance(self.threshold, (list, tuple)):
            if self.mode != 'class':
                raise ValueError('per-class thresholds need mode "class"')
            if num_classes is not None and len(self.threshold) != num_classes:
                raise ValueError(f'{len(self.threshold)} thresholds for {num_classes} gesture classes')
        if self.smooth < 1 or self.min_len < 1 or not 0 <= self.nms <= 1:
            raise ValueError(f'need smooth >= 1, min_len >= 1 and 0 <= nms <= 1, got {self}')
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def smooth_scores(probs: np.ndarray, k: int) -> np.ndarray:
    """Centred moving average over ``k`` frames of each class (edges repeat the first/last frame)."""
    probs = np.asarray(probs, np.float64)
    if k <= 1 or len(probs) == 0:
        return probs.copy()
    left = (k - 1) // 2
    padded = np.pad(probs, ((left, k - 1 - left), (0, 0)), mode='edge')
    csum = np.cumsum(np.vstack([np.zeros((1, probs.shape[1])), padded]), axis=0)
    return (csum[k:] - csum[:-k]) / k


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` (end included) of every run of True values."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    return [(int(s), int(e) - 1) for s, e in zip(edges[::2], edges[1::2])]


def frame_iou(a: Sequence[int], b: Sequence[int]) -> float:
    """Intersection over union of two inclusive frame ranges ``(..., start, end)``, counting frames."""
    inter = min(a[-1], b[-1]) - max(a[-2], b[-2]) + 1
    if inter <= 0:
        return 0.0
    return inter / (max(a[-1], b[-1]) - min(a[-2], b[-2]) + 1)


def temporal_nms(cands: list[tuple[int, int, int, float]], iou: float) -> list[tuple[int, int, int, float]]:
    """Keep candidates ``(label, start, end, score)`` by decreasing score unless one kept overlaps by > ``iou``."""
    kept: list[tuple[int, int, int, float]] = []
    for c in sorted(cands, key=lambda c: (-c[3], c[1], c[0])):
        if all(frame_iou(c[:3], k[:3]) <= iou for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: (c[1], c[0]))


def decode_segments(probs: np.ndarray, background: int, params: DecodeParams | None = None
                    ) -> list[tuple[int, int, int, float]]:
    """Segments ``(label, start, end, score)`` in time order from per-frame probabilities [T, C + 1]."""
    params = (params or DecodeParams()).check()
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2 or not 0 <= background < probs.shape[1]:
        raise ValueError(f'probs must be [T, classes] with the background class inside, got {probs.shape} '
                         f'and background {background}')
    classes = [c for c in range(probs.shape[1]) if c != background]
    thr = params.threshold
    thr = list(thr) if isinstance(thr, (list, tuple)) else [thr] * len(classes)
    if len(thr) != len(classes):
        raise ValueError(f'{len(thr)} thresholds for {len(classes)} gesture classes')
    sm = smooth_scores(probs, params.smooth)
    cands = []
    if params.mode == 'class':
        for c, t in zip(classes, thr):
            for s, e in runs(sm[:, c] >= t):
                cands.append((c, s, e, float(sm[s:e + 1, c].mean())))
    else:
        fg = 1.0 - sm[:, background]
        for s, e in runs(fg >= thr[0]):
            mean = sm[s:e + 1].mean(0)
            mean[background] = -1
            c = int(mean.argmax())
            cands.append((c, s, e, float(mean[c])))
    cands = [c for c in cands if c[2] - c[1] + 1 >= params.min_len]
    return temporal_nms(cands, params.nms)


@dataclass
class TuneResult:
    params: DecodeParams
    f1: float
    tried: int
    table: list[tuple[dict, float]] = field(default_factory=list)


def default_grid() -> dict[str, list]:
    return dict(mode=list(MODES), threshold=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], smooth=[1, 5, 9, 15],
                min_len=[1, 4, 8, 12], nms=[0.3])


def tune_decoder(probs: dict[str, np.ndarray], ground_truth: dict[str, list], background: int,
                 grid: dict[str, list] | None = None, overlap: float = 0.3, use_labels: bool = True,
                 tie_overlap: float = 0.5) -> TuneResult:
    """The decoding parameters of ``grid`` with the best pooled F1 (overlap > ``overlap``) on labelled sequences;
    ties are broken by the F1 at the stricter ``tie_overlap`` (tighter boundaries), then by grid order.
    ``use_labels`` off: class-agnostic F1 (when another model gives the classes). Tune on a validation split,
    never on the test split."""
    from ..evaluation.spotting_metric import evaluate_spotting

    grid = grid or default_grid()
    if not use_labels:
        ground_truth = {k: [(0, s, e) for _, s, e in v] for k, v in ground_truth.items()}
    keys = list(grid)
    best, table = None, []
    for values in itertools.product(*(grid[k] for k in keys)):
        params = DecodeParams(**dict(zip(keys, values))).check()
        preds = {name: [(s[0] if use_labels else 0, s[1], s[2]) for s in decode_segments(p, background, params)]
                 for name, p in probs.items()}
        scores = evaluate_spotting(preds, ground_truth, (overlap, tie_overlap))
        key = (scores[overlap].f1, scores[tie_overlap].f1)
        table.append((params.as_dict(), key[0]))
        if best is None or key > best[1]:
            best = (params, key)
    return TuneResult(best[0], best[1][0], len(table), table)
