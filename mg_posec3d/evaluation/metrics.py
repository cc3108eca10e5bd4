"""Classification metrics over per-sample class scores.

Top-k and mean-class accuracy are mmaction2's own functions (``mmaction.evaluation.functional``, the ones its
``AccMetric`` calls in ``tools/test.py``), so ``--ensemble`` and ``tools/test.py`` can never disagree on a dump:

- top-k accuracy: the ground-truth class is among the k highest scores. Equal scores are ranked as mmaction2's
  ``np.argsort(scores)[:, -k:][:, ::-1]`` ranks them (for small class counts the HIGHER class index first, e.g.
  scores ``[0.4, 0.4, 0.2]`` with label 1 is a top-1 hit);
- mean-class accuracy: recall averaged over every class that occurs in the predictions OR the ground truth,
  with ``np.argmax`` predictions (equal scores: the LOWER class index); a class that is predicted but absent
  from the ground truth contributes 0.

Scores are passed in their own dtype (dumps hold float32, as ``AccMetric`` sees them), since the order argsort
gives equal values may depend on the dtype. The per-class report, the confusion matrix and submissions use
``np.argmax`` (:func:`predictions`), the same rule as mean-class accuracy.
"""
from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence

import numpy as np
from mmaction.evaluation.functional import mean_class_accuracy as _mm_mean_class_accuracy
from mmaction.evaluation.functional import top_k_accuracy as _mm_top_k_accuracy

from ..fileio import atomic_open


def _check(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores)
    if scores.dtype.kind not in 'fiu':
        scores = scores.astype(np.float64)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if scores.ndim != 2 or scores.shape[0] != labels.shape[0]:
        raise ValueError(f'scores must be [N, C] with N = len(labels) = {labels.shape[0]}, '
                         f'got {scores.shape}')
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f'labels must lie in [0, {scores.shape[1]}), got {labels.min()}..{labels.max()}')
    return scores, labels


def ranked_classes(scores: np.ndarray, k: int | None = None) -> np.ndarray:
    """Class indices per sample, best first ([N, k]); equal scores keep the lower index first (the order of
    ``np.argmax``; for display, e.g. the top-k csv; accuracy uses mmaction2's ranking)."""
    scores = np.asarray(scores)
    order = np.argsort(-scores, axis=1, kind='stable')
    return order if k is None else order[:, :k]


def predictions(scores: np.ndarray) -> np.ndarray:
    """Top-1 class per sample (int64 [N])."""
    return np.argmax(np.asarray(scores), axis=1).astype(np.int64)


def top_k_accuracy(scores: np.ndarray, labels: np.ndarray, topk: Sequence[int] = (1, 5)) -> list[float]:
    """Fraction of samples whose label is among the k best-scored classes, for each k in ``topk``
    (mmaction2's ``top_k_accuracy``, after checking the inputs)."""
    scores, labels = _check(scores, labels)
    if labels.size == 0:
        raise ValueError('top_k_accuracy: no samples')
    return [float(a) for a in _mm_top_k_accuracy(scores, labels, tuple(topk))]


def confusion_matrix(pred: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts [C, C]: row = ground truth, column = prediction."""
    pred = np.asarray(pred, dtype=np.int64).reshape(-1)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if pred.shape != labels.shape:
        raise ValueError(f'pred and labels differ in length: {pred.shape[0]} vs {labels.shape[0]}')
    for name, arr in (('pred', pred), ('labels', labels)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(f'{name} must lie in [0, {num_classes}), got {arr.min()}..{arr.max()}')
    cm = np.bincount(labels * num_classes + pred, minlength=num_classes ** 2)
    return cm.reshape(num_classes, num_classes)


def row_normalise(cm: np.ndarray) -> np.ndarray:
    """Each ground-truth row divided by its count (rows of absent classes stay 0)."""
    cm = np.asarray(cm, dtype=np.float64)
    support = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, support, out=np.zeros_like(cm), where=support > 0)


def mean_class_accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """mmaction2's mean-class accuracy: mean recall over classes present in predictions or ground truth."""
    scores, labels = _check(scores, labels)
    if labels.size == 0:
        raise ValueError('mean_class_accuracy: no samples')
    return float(_mm_mean_class_accuracy(scores, labels))


def evaluate(scores: np.ndarray, labels: np.ndarray) -> dict:
    """top1, top5 (None when there are 5 classes or fewer: it would be trivially 1) and mean_class."""
    scores, labels = _check(scores, labels)
    num_classes = scores.shape[1]
    top1, top5 = top_k_accuracy(scores, labels, (1, min(5, num_classes)))
    return dict(top1=top1, top5=top5 if num_classes > 5 else None,
                mean_class=mean_class_accuracy(scores, labels), num_samples=int(labels.size))


def per_class_report(pred: np.ndarray, labels: np.ndarray, num_classes: int,
                     class_names: Sequence[str] | None = None) -> list[dict]:
    """One row per class: support (ground-truth count), predicted count, correct, precision, recall, f1.

    precision is NaN for a class never predicted, recall NaN for a class absent from the ground truth (the
    quantity is undefined there; mean-class accuracy still counts a predicted-but-absent class as 0).
    """
    cm = confusion_matrix(pred, labels, num_classes)
    names = list(class_names) if class_names is not None else [str(i) for i in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f'{len(names)} class names for {num_classes} classes')
    rows = []
    for c in range(num_classes):
        tp, support, predicted = int(cm[c, c]), int(cm[c].sum()), int(cm[:, c].sum())
        precision = tp / predicted if predicted else math.nan
        recall = tp / support if support else math.nan
        if predicted and support and precision + recall > 0:
            f1 = 2 * precision * recall / (precision + recall)
        elif predicted and support:
            f1 = 0.0
        else:
            f1 = math.nan
        rows.append(dict(class_id=c, name=names[c], support=support, predicted=predicted, correct=tp,
                         precision=precision, recall=recall, f1=f1))
    return rows


_COLUMNS = ('class_id', 'name', 'support', 'predicted', 'correct', 'precision', 'recall', 'f1')


def write_per_class_csv(path: str | os.PathLike, rows: list[dict]) -> str:
    """CSV with a header; undefined precision/recall/f1 are written as empty fields."""
    with atomic_open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(_COLUMNS)
        for r in rows:
            w.writerow([('' if isinstance(r[k], float) and math.isnan(r[k]) else
                         f'{r[k]:.4f}' if isinstance(r[k], float) else r[k]) for k in _COLUMNS])
    return os.fspath(path)


def format_per_class_table(rows: list[dict], max_name: int = 28) -> str:
    """Fixed-width text table for the terminal ('-' where a value is undefined); classes that are neither
    in the ground truth nor predicted are left out of it (they stay in the csv)."""
    def num(v):
        return '     -' if math.isnan(v) else f'{v:6.3f}'
    skipped = sum(1 for r in rows if not r['support'] and not r['predicted'])
    rows = [r for r in rows if r['support'] or r['predicted']]
    width = min(max_name, max([len(str(r['name'])) for r in rows] + [4]))
    lines = [f'{"id":>3}  {"name":<{width}}  {"support":>7}  {"pred":>5}  '
             f'{"prec":>6}  {"recall":>6}  {"f1":>6}']
    for r in rows:
        name = str(r['name'])[:width]
        lines.append(f'{r["class_id"]:>3}  {name:<{width}}  {r["support"]:>7}  {r["predicted"]:>5}  '
                     f'{num(r["precision"])}  {num(r["recall"])}  {num(r["f1"])}')
    if skipped:
        lines.append(f'({skipped} classes neither in the ground truth nor predicted are not shown)')
    return '\n'.join(lines)


def plot_confusion_matrix(cm: np.ndarray, class_names: Sequence[str], path: str | os.PathLike,
                          title: str = '') -> str:
    """Row-normalised confusion matrix (each ground-truth row sums to 1) as a PNG with class names.

    Uses matplotlib's Agg canvas directly, so the global backend of the caller is left alone.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cm = np.asarray(cm, dtype=np.float64)
    n = cm.shape[0]
    norm = row_normalise(cm)
    side = min(30.0, max(6.0, (0.32 if n <= 40 else 0.16) * n + 4.0))  # inches; 6 pt labels beyond 40
    fig = Figure(figsize=(side, side), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(norm, vmin=0.0, vmax=1.0, cmap='Blues', interpolation='none')
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label='fraction of the true class')
    labels = [str(i) if str(name) == str(i) else f'{i} {name}' for i, name in enumerate(class_names)]
    font = 9 if n <= 40 else 6
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(labels, rotation=90, fontsize=font)
    ax.set_yticklabels(labels, fontsize=font)
    ax.set_xlabel('predicted class')
    ax.set_ylabel('true class')
    if title:
        ax.set_title(title)
    if n <= 20:  # cell values stay legible only for small matrices
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, f'{norm[i, j]:.2f}', ha='center', va='center', fontsize=8,
                            color='white' if norm[i, j] > 0.5 else 'black')
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, format='png')
    return os.fspath(path)


def write_reports(work_dir: str | os.PathLike, name: str, scores: np.ndarray, labels: np.ndarray,
                  class_names: Sequence[str] | None = None) -> dict:
    """Per-class CSV and confusion PNG for one set of scores; returns metrics, table and file paths."""
    scores, labels = _check(scores, labels)
    num_classes = scores.shape[1]
    names = list(class_names) if class_names is not None else [str(i) for i in range(num_classes)]
    pred = predictions(scores)
    rows = per_class_report(pred, labels, num_classes, names)
    csv_path = write_per_class_csv(os.path.join(work_dir, f'{name}_per_class.csv'), rows)
    png_path = plot_confusion_matrix(confusion_matrix(pred, labels, num_classes), names,
                                     os.path.join(work_dir, f'{name}_confusion.png'),
                                     title=f'{name}: confusion (rows normalised), N={labels.size}')
    return dict(metrics=evaluate(scores, labels), rows=rows, per_class_csv=csv_path, confusion_png=png_path)
