"""The ridge-classifier reference: a linear model on the right hand's shape, fitted in closed form (numpy).

Features of a clip: the five fingertips of the person's right hand (miga22 RightFinger1-5, which hang off
joint 4, HandLeft: image left) relative to that wrist, divided by their mean distance to it (hand size), at K
frames spread evenly over the clip. Ridge regression to +-1 one-vs-rest targets on standardised features
(scikit-learn's ``RidgeClassifier`` rule), prediction = the largest output. K and the ridge strength are chosen
by leave-one-subject-out cross-validation inside the training subjects only, so a test subject never
influences its own model.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..layouts import MIGA22

WRIST = MIGA22.index('HandLeft')  # the person's right wrist (miga22 sides are image sides)
FINGERTIPS = tuple(MIGA22.index(f'RightFinger{k}') for k in range(1, 6))
FRAME_GRID = (4, 8, 16)
ALPHA_GRID = (1.0, 10.0, 100.0)


def hand_shape(annotation: dict, frames: int) -> np.ndarray:
    """[frames * 10] fingertip-minus-wrist vectors of the first person, scale-normalised, at ``frames``
    evenly spaced frames of the clip."""
    kp = np.nan_to_num(np.asarray(annotation['keypoint'], np.float32)[0])  # [T, V, 2]
    idx = np.linspace(0, kp.shape[0] - 1, frames).round().astype(int)
    rel = kp[idx][:, list(FINGERTIPS)] - kp[idx][:, [WRIST]]
    scale = float(np.linalg.norm(rel, axis=-1).mean())
    return (rel / (scale if scale > 0 else 1.0)).reshape(-1)


@dataclass
class RidgeClassifier:
    """One-vs-rest ridge regression to +-1 targets on standardised features, solved in closed form."""

    alpha: float = 1.0
    num_classes: int | None = None
    mean: np.ndarray = field(default=None, repr=False)
    std: np.ndarray = field(default=None, repr=False)
    weights: np.ndarray = field(default=None, repr=False)
    bias: np.ndarray = field(default=None, repr=False)

    def fit(self, x: np.ndarray, y: np.ndarray) -> RidgeClassifier:
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.int64)
        c = self.num_classes or int(y.max()) + 1
        self.mean, self.std = x.mean(0), x.std(0)
        self.std[self.std == 0] = 1.0
        xs = (x - self.mean) / self.std
        targets = -np.ones((len(y), c))
        targets[np.arange(len(y)), y] = 1.0
        self.bias = targets.mean(0)  # centred features: the intercept is the target mean (not penalised)
        gram = xs.T @ xs + self.alpha * np.eye(xs.shape[1])
        self.weights = np.linalg.solve(gram, xs.T @ (targets - self.bias))
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return ((np.asarray(x, np.float64) - self.mean) / self.std) @ self.weights + self.bias

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.decision_function(x).argmax(1)


def _subject_cv_accuracy(feats: np.ndarray, labels: np.ndarray, subjects: np.ndarray, alpha: float,
                         num_classes: int) -> float:
    accs = []
    for s in np.unique(subjects):
        held = subjects == s
        model = RidgeClassifier(alpha, num_classes).fit(feats[~held], labels[~held])
        accs.append(float((model.predict(feats[held]) == labels[held]).mean()))
    return float(np.mean(accs))


@dataclass
class RidgeFit:
    model: RidgeClassifier
    frames: int
    inner_accuracy: float  # leave-one-subject-out accuracy inside the training subjects


def fit_hand_ridge(annotations: Sequence[dict], num_classes: int, frame_grid: Sequence[int] = FRAME_GRID,
                   alpha_grid: Sequence[float] = ALPHA_GRID) -> RidgeFit:
    """Choose K and alpha by leave-one-subject-out CV on ``annotations`` (needs >= 2 subjects), refit on all."""
    labels = np.array([int(a['label']) for a in annotations])
    subjects = np.array([a['subject'] for a in annotations])
    if len(np.unique(subjects)) < 2:
        raise ValueError('the ridge reference chooses its settings by leave-one-subject-out: it needs training '
                         'clips of at least 2 subjects (field subject)')
    best = None
    for frames in frame_grid:
        feats = np.stack([hand_shape(a, frames) for a in annotations])
        for alpha in alpha_grid:
            acc = _subject_cv_accuracy(feats, labels, subjects, alpha, num_classes)
            if best is None or acc > best[0]:
                best = (acc, frames, alpha, feats)
    acc, frames, alpha, feats = best
    return RidgeFit(RidgeClassifier(alpha, num_classes).fit(feats, labels), frames, acc)


def ridge_scores(fit: RidgeFit, annotations: Sequence[dict]) -> np.ndarray:
    """[N, C] ridge outputs turned into probabilities (softmax), so they can be fused and dumped like a model's."""
    out = fit.model.decision_function(np.stack([hand_shape(a, fit.frames) for a in annotations]))
    e = np.exp(out - out.max(1, keepdims=True))
    return (e / e.sum(1, keepdims=True)).astype(np.float32)
