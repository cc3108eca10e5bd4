"""A non-learned spotter to beat: segments where a wrist moves fast, the class from the hand's opening.

* **Where**: the speed of each wrist (miga22 joints 4 and 7, in shoulder widths per frame: the median distance of
  joints 2 and 5 over the sequence), the faster of the two, smoothed over ``smooth`` frames; a segment starts
  when it reaches ``on`` and ends when it falls below ``off`` (hysteresis: a reach slows down at the grasp),
  segments shorter than ``min_len`` frames are dropped.
* **Which**: the opening of the moving hand (thumb tip to index tip, in shoulder widths) over the segment's
  last ``tail`` frames, compared with thresholds between the classes' typical openings.

:func:`tune_baseline` picks ``on``/``off``/``smooth``/``min_len`` by the best class-agnostic F1 (overlap > 0.3)
on labelled training sequences and places the opening thresholds half-way between the median openings of the
classes at their true segment ends there. Nothing is learned beyond these few thresholds.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from ..layouts import MIGA22
from .decode import runs, smooth_scores

SHOULDERS = (MIGA22.index('ShoulderLeft'), MIGA22.index('ShoulderRight'))
WRISTS = (MIGA22.index('HandLeft'), MIGA22.index('HandRight'))
# thumb and index fingertips of the hand at each wrist (RightFinger1-2 hang off joint 4, LeftFinger1-2 off 7)
FINGERS = ((MIGA22.index('RightFinger1'), MIGA22.index('RightFinger2')),
           (MIGA22.index('LeftFinger1'), MIGA22.index('LeftFinger2')))


@dataclass
class BaselineParams:
    on: float = 0.02
    off: float = 0.01
    smooth: int = 5
    min_len: int = 5
    tail: int = 3
    class_order: list[int] = field(default_factory=list)  # classes by increasing opening
    thresholds: list[float] = field(default_factory=list)  # len(class_order) - 1 opening thresholds

    def as_dict(self) -> dict:
        return asdict(self)


def _scale(kp: np.ndarray, sc: np.ndarray) -> float:
    seen = (sc[:, SHOULDERS[0]] > 0) & (sc[:, SHOULDERS[1]] > 0)
    if seen.any():
        d = np.linalg.norm(kp[seen, SHOULDERS[0]] - kp[seen, SHOULDERS[1]], axis=-1)
        if np.median(d) > 0:
            return float(np.median(d))
    return 1.0


def features(seq: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame wrist speeds [T, 2] and hand openings [T, 2] (NaN where unseen), in shoulder widths."""
    kp = np.asarray(seq['keypoint'][0], np.float64)
    sc = np.asarray(seq['keypoint_score'][0], np.float64)
    scale = _scale(kp, sc)
    speed = np.zeros((len(kp), 2))
    opening = np.full((len(kp), 2), np.nan)
    for h, (w, (thumb, index)) in enumerate(zip(WRISTS, FINGERS)):
        seen = sc[:, w] > 0
        step = np.linalg.norm(np.diff(kp[:, w], axis=0), axis=-1) / scale
        ok = seen[1:] & seen[:-1]
        speed[1:, h] = np.where(ok, step, 0.0)
        both = (sc[:, thumb] > 0) & (sc[:, index] > 0)
        opening[both, h] = np.linalg.norm(kp[both, thumb] - kp[both, index], axis=-1) / scale
    return speed, opening


def hysteresis_runs(x: np.ndarray, on: float, off: float) -> list[tuple[int, int]]:
    """Runs that start where ``x >= on`` and last while ``x >= off`` (end included)."""
    out = []
    for s, e in runs(x >= off):
        hits = np.flatnonzero(x[s:e + 1] >= on)
        if hits.size:
            out.append((s + int(hits[0]), e))
    return out


def segment_opening(opening: np.ndarray, speed: np.ndarray, start: int, end: int, tail: int) -> float:
    """Median opening of the faster hand over the segment's last ``tail`` frames (NaN if never seen)."""
    hand = int(np.argmax(speed[start:end + 1].sum(0)))
    vals = opening[max(start, end - tail + 1):end + 1, hand]
    vals = vals[np.isfinite(vals)]
    return float(np.median(vals)) if vals.size else float('nan')


def spot_baseline(seq: dict, params: BaselineParams) -> list[tuple[int, int, int]]:
    speed, opening = features(seq)
    fast = smooth_scores(speed.max(1, keepdims=True), params.smooth)[:, 0]
    out = []
    for s, e in hysteresis_runs(fast, params.on, params.off):
        if e - s + 1 < params.min_len:
            continue
        label = params.class_order[0] if params.class_order else 0
        a = segment_opening(opening, speed, s, e, params.tail)
        if params.thresholds and np.isfinite(a):
            label = params.class_order[int(np.searchsorted(params.thresholds, a))]
        out.append((int(label), s, e))
    return out


def default_grid() -> dict[str, list]:
    return dict(on=[0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.13], off=[0.01, 0.02, 0.03, 0.04, 0.06],
                smooth=[1, 3, 5], min_len=[5, 10, 15, 20])


def tune_baseline(sequences: Sequence[dict], grid: dict[str, list] | None = None) -> tuple[BaselineParams, float]:
    """Thresholds with the best class-agnostic F1 (overlap > 0.3) on labelled ``sequences``, then opening
    thresholds from the classes' median openings at their true segment ends. Returns (params, that F1)."""
    from ..evaluation.spotting_metric import evaluate_spotting

    grid = grid or default_grid()
    feats = [features(s) for s in sequences]
    gts = {str(i): [(0, s, e) for _, s, e in seq['segments']] for i, seq in enumerate(sequences)}
    best = None
    for on, off, smooth, min_len in itertools.product(grid['on'], grid['off'], grid['smooth'], grid['min_len']):
        if off > on:
            continue
        preds = {}
        for i, (speed, _) in enumerate(feats):
            fast = smooth_scores(speed.max(1, keepdims=True), smooth)[:, 0]
            preds[str(i)] = [(0, s, e) for s, e in hysteresis_runs(fast, on, off) if e - s + 1 >= min_len]
        f1 = evaluate_spotting(preds, gts, (0.3, ))[0.3].f1
        if best is None or f1 > best[1]:
            best = (BaselineParams(on, off, smooth, min_len), f1)
    params = best[0]
    per_class: dict[int, list[float]] = {}
    for seq, (speed, opening) in zip(sequences, feats):
        for label, s, e in seq['segments']:
            a = segment_opening(opening, speed, s, e, params.tail)
            if np.isfinite(a):
                per_class.setdefault(int(label), []).append(a)
    medians = sorted((float(np.median(v)), c) for c, v in per_class.items())
    params.class_order = [c for _, c in medians]
    params.thresholds = [(a + b) / 2 for (a, _), (b, _) in zip(medians, medians[1:])]
    return params, best[1]
