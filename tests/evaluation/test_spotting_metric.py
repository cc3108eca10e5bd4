"""MiGA track 2 metric against hand-worked cases (every expected number below is computed by hand in the comment
next to it; the segments are small hand-made examples)."""
import pytest

from mg_posec3d.evaluation.spotting_metric import evaluate_spotting, match_segments, overlap_ratio


def test_overlap_ratio_is_the_miga_formula():
    # (min(end) - max(start)) / (max(end) - min(start)) on the frame numbers as written
    assert overlap_ratio((10, 20), (10, 20)) == 1.0                   # 10 / 10
    assert overlap_ratio((0, 10), (5, 20)) == pytest.approx(5 / 20)   # (10 - 5) / (20 - 0)
    assert overlap_ratio((0, 9), (5, 14)) == pytest.approx(4 / 14)    # 0.2857
    assert overlap_ratio((0, 4), (10, 14)) == pytest.approx(-6 / 14)  # apart: negative
    assert overlap_ratio((7, 7), (7, 7)) == 1.0                       # 0 / 0: the same single frame


def test_inclusive_overlap_counts_frames():
    assert overlap_ratio((0, 9), (5, 14), inclusive=True) == pytest.approx(5 / 15)  # frames 5..9 of 0..14
    assert overlap_ratio((7, 7), (7, 7), inclusive=True) == 1.0                     # 1 / 1
    assert overlap_ratio((3, 3), (4, 4), inclusive=True) == 0.0                     # 0 / 2


def test_threshold_is_strict_and_inclusive_flag_changes_a_short_hit():
    gt = {'s': [(1, 0, 10)]}
    exact = evaluate_spotting({'s': [(1, 0, 3)]}, gt, (0.3, ))[0.3]   # 3 / 10 = 0.3, not > 0.3
    assert (exact.tp, exact.num_pred, exact.num_gt) == (0, 1, 1)
    above = evaluate_spotting({'s': [(1, 0, 4)]}, gt, (0.3, ))[0.3]   # 4 / 10
    assert above.tp == 1 and above.f1 == 1.0
    short = {'s': [(1, 0, 9)]}, {'s': [(1, 5, 14)]}
    assert evaluate_spotting(*short, (0.3, ))[0.3].tp == 0                    # 4/14 = 0.286
    assert evaluate_spotting(*short, (0.3, ), inclusive=True)[0.3].tp == 1    # 5/15 = 0.333


def test_exact_boundaries_at_both_thresholds():
    gt = {'s': [(2, 100, 160)]}
    scores = evaluate_spotting({'s': [(2, 120, 160)]}, gt)  # 40 / 60 = 0.667
    assert scores[0.3].tp == 1 and scores[0.5].tp == 1
    scores = evaluate_spotting({'s': [(2, 130, 160)]}, gt)  # 30 / 60 = 0.5: > 0.3, not > 0.5
    assert scores[0.3].tp == 1 and scores[0.5].tp == 0
    assert (scores[0.5].precision, scores[0.5].recall, scores[0.5].f1) == (0.0, 0.0, 0.0)


def test_duplicate_predictions_match_once():
    # two identical predictions of one segment: TP 1, precision 1/2, recall 1/1, F1 = 2 * 0.5 * 1 / 1.5 = 0.667
    s = evaluate_spotting({'s': [(0, 10, 20), (0, 10, 20)]}, {'s': [(0, 10, 20)]}, (0.3, ))[0.3]
    assert (s.tp, s.num_pred, s.num_gt) == (1, 2, 1)
    assert s.precision == 0.5 and s.recall == 1.0 and s.f1 == pytest.approx(2 / 3)


def test_one_prediction_never_matches_two_segments():
    # The public starter code's bug: numpy.delete's result is dropped, so P = [0, 22] matched both A = [0, 10]
    # and B = [12, 22] (each 10 / 22 = 0.45 > 0.3): 2 TP from 1 prediction, precision 2. One-to-one: TP 1.
    s = evaluate_spotting({'s': [(0, 0, 22)]}, {'s': [(0, 0, 10), (0, 12, 22)]}, (0.3, ))[0.3]
    assert (s.tp, s.precision, s.recall) == (1, 1.0, 0.5)
    assert s.f1 == pytest.approx(2 * 1 * 0.5 / 1.5)


def test_tie_one_prediction_two_equal_segments():
    # P = [4, 14] overlaps A = [0, 10] and B = [8, 18] equally: 6 / 14 = 0.4286 each; it matches exactly one
    assert overlap_ratio((4, 14), (0, 10)) == pytest.approx(overlap_ratio((4, 14), (8, 18)))
    pairs = match_segments([(0, 4, 14)], [(0, 0, 10), (0, 8, 18)])
    assert len(pairs) == 1


def test_largest_matching_does_not_depend_on_row_order():
    # A = [0, 10], B = [8, 18]; P1 = [4, 14] overlaps A (6/14 = 0.43) and B (6/14 = 0.43); P2 = [2, 6] overlaps
    # only A (4/10 = 0.40). Giving A its best prediction first (P1) would leave B unmatched; the largest matching
    # is A-P2, B-P1: TP 2, whatever the order of the rows.
    gts = [(0, 0, 10), (0, 8, 18)]
    preds = [(0, 4, 14), (0, 2, 6)]
    for g in (gts, gts[::-1]):
        for p in (preds, preds[::-1]):
            assert len(match_segments(p, g)) == 2
    assert sorted(match_segments(preds, gts)) == [(0, 1), (1, 0)]  # (pred index, gt index)


def test_labels_must_agree_and_class_accuracy_of_matched():
    gt = {'s': [(0, 0, 10), (1, 20, 30), (2, 40, 50)]}
    pred = {'s': [(0, 0, 10), (2, 20, 30), (2, 40, 50), (1, 60, 70)]}  # right, wrong class, right, nowhere
    s = evaluate_spotting(pred, gt, (0.3, ))[0.3]
    assert (s.tp, s.tp_any_label) == (2, 3)       # the wrong-class one is where a gesture is
    assert s.class_accuracy == pytest.approx(2 / 3)
    assert s.precision == 0.5 and s.recall == pytest.approx(2 / 3)  # 2/4, 2/3


def test_empty_predictions_and_empty_ground_truth():
    s = evaluate_spotting({}, {'a': [(0, 0, 5)], 'b': [(1, 3, 9)]}, (0.3, ))[0.3]
    assert (s.tp, s.num_pred, s.num_gt, s.precision, s.recall, s.f1) == (0, 0, 2, 0.0, 0.0, 0.0)
    assert s.class_accuracy is None
    s = evaluate_spotting({'a': [(0, 0, 5)]}, {'a': []}, (0.3, ))[0.3]  # a false alarm in a gesture-free sequence
    assert (s.tp, s.num_pred, s.num_gt, s.f1) == (0, 1, 0, 0.0)


def test_scores_are_pooled_over_sequences_not_averaged():
    # a: 1 gt, 1 correct prediction; b: 3 gt, none found. Pooled: TP 1, P = 1/1, R = 1/4, F1 = 0.4
    # (the mean of per-sequence F1 would be (1 + 0) / 2 = 0.5)
    gt = {'a': [(0, 0, 9)], 'b': [(0, 0, 9), (1, 20, 29), (0, 40, 49)]}
    s = evaluate_spotting({'a': [(0, 0, 9)]}, gt, (0.3, ))[0.3]
    assert (s.precision, s.recall) == (1.0, 0.25)
    assert s.f1 == pytest.approx(0.4)


def test_predictions_for_an_unknown_sequence_are_refused():
    with pytest.raises(ValueError, match=r"1 sequence\(s\) without ground truth, e.g. 'typo'"):
        evaluate_spotting({'typo': [(0, 0, 5)]}, {'a': [(0, 0, 5)]})
