"""The one fusion rule of the project: a weighted mean of the models' class probabilities.

Default weights: 2:3 for two inputs, in the order given (joint, limb: the MiGA 2023 winning entry fused
``0.4 * joint + 0.6 * limb``), equal weights for any other number of inputs. Weights are normalised to sum to
1, so fused scores are probabilities again. Both users go through :func:`fuse`: the ensemble of score dumps
(``tools/test.py --ensemble``, :mod:`.ensemble`) and the video demo (``demo/demo.py``,
:mod:`mg_posec3d.apis.inference`), so the same inputs give the same fused scores in both.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_TWO_WEIGHTS = (2.0, 3.0)  # joint : limb in the MiGA 2023 winning entry
PROB_TOLERANCE = 1e-3  # scores count as probabilities when >= -tol and summing to 1 +- tol (float32 dumps)


class FusionError(ValueError):
    """Scores that cannot be fused together, or bad weights."""


def default_weights(n: int) -> tuple[float, ...]:
    """2:3 for two inputs (joint, limb), equal weights otherwise."""
    return DEFAULT_TWO_WEIGHTS if n == 2 else (1.0,) * n


def normalise_weights(weights: Sequence[float] | None, n: int) -> np.ndarray:
    """Check ``weights`` (None = :func:`default_weights` for n inputs) and scale them to sum to 1."""
    w = np.asarray(default_weights(n) if weights is None else weights, dtype=np.float64).reshape(-1)
    if w.size != n:
        raise FusionError(f'{w.size} weights given for {n} inputs')
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise FusionError(f'weights must be finite, >= 0 and not all 0, got {w.tolist()}')
    return w / w.sum()


def fuse(scores: Sequence[np.ndarray], weights: Sequence[float] | None = None) -> np.ndarray:
    """Weighted sum of probability arrays of one shape (``[C]`` for one sample or ``[N, C]`` aligned by sample),
    weights normalised to sum to 1 (None: 2:3 for two inputs, equal otherwise). Returns float64."""
    if len(scores) == 0:
        raise FusionError('no scores to fuse')
    arrays = [np.asarray(s, dtype=np.float64) for s in scores]
    shapes = sorted({a.shape for a in arrays})
    if len(shapes) != 1:
        raise FusionError(f'inputs disagree on the shape of their scores (samples, classes): {shapes}')
    w = normalise_weights(weights, len(arrays))
    out = np.zeros_like(arrays[0])
    for wi, a in zip(w, arrays):
        out += wi * a
    return out
