"""MiGA track 2 (online micro-gesture recognition): F1 of the segments spotted in long sequences.

The rule, as in the public SMG/MiGA online-recognition evaluation (github.com/mikecheninoulu/SMG,
``online recognition/SMG/THDutils.py``, ``tester_SMG``):

* the **overlap ratio** of a prediction ``[ps, pe]`` and a ground-truth segment ``[gs, ge]`` is
  ``(min(pe, ge) - max(ps, gs)) / (max(pe, ge) - min(ps, gs))``, computed on the frame numbers as written, although
  those ends are inclusive. We keep that formula by default (so scores compare with published MiGA numbers);
  ``inclusive=True`` counts frames instead (adds 1 to both terms). It matters for short segments: ``[0, 9]``
  against ``[5, 14]`` is 4/14 = 0.286 (a miss at 0.3) with the MiGA formula and 5/15 = 0.333 (a hit) counting
  frames. Two identical one-frame segments (0/0 in the MiGA formula) overlap 1;
* a prediction is a **true positive** when its label equals the segment's and the overlap ratio **exceeds** the
  threshold (0.3 in the challenge; strictly greater);
* **one-to-one**: each prediction and each ground-truth segment is used at most once. (The public code calls
  ``numpy.delete`` without keeping its result, so a matched prediction stays available and one prediction can
  match several segments; we do not copy that.) Among all one-to-one matchings we count the largest one
  (maximum bipartite matching), so the score does not depend on the order of the rows;
* recall = TP / ground-truth segments, precision = TP / predictions, F1 = 2PR / (P + R), each **pooled over all
  sequences** (TP and counts summed first). No predictions: precision 0; no ground truth: recall 0.

``class accuracy of matched segments`` = TP / TP ignoring labels (both maximum matchings): of the segments found
where they are, the share also given the right class.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

Segment = tuple[int, int, int]  # (label, start, end), end included
MIGA_THRESHOLD = 0.3


def overlap_ratio(a: Sequence[int], b: Sequence[int], inclusive: bool = False) -> float:
    """Overlap ratio of two ``(start, end)`` frame ranges (the MiGA formula, or counting frames with
    ``inclusive``); negative when they are apart."""
    (a0, a1), (b0, b1) = (a[-2], a[-1]), (b[-2], b[-1])
    add = 1 if inclusive else 0
    inter = min(a1, b1) - max(a0, b0) + add
    union = max(a1, b1) - min(a0, b0) + add
    if union <= 0:  # both are the same single frame: 0 / 0 in the MiGA formula
        return 1.0
    return inter / union


def match_segments(preds: Sequence[Segment], gts: Sequence[Segment], threshold: float = MIGA_THRESHOLD,
                   use_labels: bool = True, inclusive: bool = False) -> list[tuple[int, int]]:
    """A largest one-to-one matching ``[(pred index, gt index), ...]`` of predictions to ground-truth segments
    with equal labels (unless ``use_labels`` is off) and overlap ratio > ``threshold`` (augmenting paths)."""
    cand: list[list[int]] = []
    for g in gts:
        ok = [(overlap_ratio(p, g, inclusive), i) for i, p in enumerate(preds)
              if (not use_labels or int(p[0]) == int(g[0])) and overlap_ratio(p, g, inclusive) > threshold]
        cand.append([i for _, i in sorted(ok, key=lambda x: (-x[0], x[1]))])  # best overlap first
    owner: dict[int, int] = {}  # pred -> gt

    def augment(g: int, seen: set[int]) -> bool:
        for p in cand[g]:
            if p in seen:
                continue
            seen.add(p)
            if p not in owner or augment(owner[p], seen):
                owner[p] = g
                return True
        return False

    for g in range(len(gts)):
        augment(g, set())
    return sorted(owner.items(), key=lambda pg: pg[1])


@dataclass
class SpottingScore:
    threshold: float
    tp: int
    num_pred: int
    num_gt: int
    tp_any_label: int  # matches when labels are ignored

    @property
    def precision(self) -> float:
        return self.tp / self.num_pred if self.num_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.num_gt if self.num_gt else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    @property
    def class_accuracy(self) -> float | None:
        """Of the segments matched when labels are ignored, the share matched with the right label."""
        return self.tp / self.tp_any_label if self.tp_any_label else None

    def as_dict(self) -> dict:
        return dict(asdict(self), precision=self.precision, recall=self.recall, f1=self.f1,
                    class_accuracy=self.class_accuracy)


def evaluate_spotting(predictions: Mapping[str, Sequence[Segment]], ground_truth: Mapping[str, Sequence[Segment]],
                      thresholds: Sequence[float] = (MIGA_THRESHOLD, 0.5), inclusive: bool = False
                      ) -> dict[float, SpottingScore]:
    """Pooled scores of predicted segments per sequence against the ground truth, at each threshold. A sequence
    of the ground truth without predictions counts as predicting nothing; predictions for a sequence without
    ground truth are an error (a typo in a name would otherwise be counted as false positives)."""
    unknown = sorted(set(predictions) - set(ground_truth))
    if unknown:
        raise ValueError(f'predictions for {len(unknown)} sequence(s) without ground truth, e.g. {unknown[0]!r}')
    out = {}
    for thr in thresholds:
        tp = tp_any = num_pred = num_gt = 0
        for name, gts in ground_truth.items():
            preds = list(predictions.get(name, []))
            num_pred += len(preds)
            num_gt += len(gts)
            tp += len(match_segments(preds, gts, thr, True, inclusive))
            tp_any += len(match_segments(preds, gts, thr, False, inclusive))
        out[thr] = SpottingScore(thr, tp, num_pred, num_gt, tp_any)
    return out


def format_scores(scores: Mapping[float, SpottingScore]) -> list[str]:
    """One line per threshold: precision, recall, F1 and the class accuracy of matched segments."""
    lines = []
    for thr, s in scores.items():
        acc = 'n/a' if s.class_accuracy is None else f'{s.class_accuracy:.4f}'
        lines.append(f'overlap > {thr:g}: precision {s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f} '
                     f'(TP {s.tp}, predictions {s.num_pred}, ground truth {s.num_gt}); class accuracy of '
                     f'matched segments {acc} ({s.tp}/{s.tp_any_label})')
    return lines
