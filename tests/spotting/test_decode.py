"""Segment decoding on hand-made probability arrays (GENERATED here: small arrays whose right answer is worked out
by hand in the comments)."""
import numpy as np
import pytest

from mg_posec3d.spotting.decode import (
    DecodeParams,
    decode_segments,
    frame_iou,
    runs,
    smooth_scores,
    temporal_nms,
    tune_decoder,
)
from mg_posec3d.spotting.inference import interpolate_frames, window_centres


def _probs(T, spans, num_classes=3):
    """[T, num_classes + 1]: background (last) 1 everywhere except ``spans`` (class, start, end, p)."""
    p = np.zeros((T, num_classes + 1))
    p[:, -1] = 1
    for c, s, e, v in spans:
        p[s:e + 1] = 0
        p[s:e + 1, c] = v
        p[s:e + 1, -1] = 1 - v
    return p


def test_runs_and_frame_iou():
    assert runs(np.array([0, 1, 1, 0, 1, 0, 0, 1], bool)) == [(1, 2), (4, 4), (7, 7)]
    assert runs(np.zeros(3, bool)) == []
    assert frame_iou((0, 9), (5, 14)) == pytest.approx(5 / 15)  # frames 5..9 of 0..14
    assert frame_iou((0, 4), (5, 9)) == 0.0


def test_smoothing_is_a_centred_moving_average_with_repeated_edges():
    x = np.array([[0.], [0.], [3.], [0.], [0.]])
    assert smooth_scores(x, 3)[:, 0].tolist() == [0, 1, 1, 1, 0]  # (0+0+3)/3 around frame 2
    assert smooth_scores(x, 1)[:, 0].tolist() == [0, 0, 3, 0, 0]
    edge = smooth_scores(np.array([[3.], [0.], [0.]]), 3)[:, 0]  # frame 0 sees 3, 3, 0 (edge repeated)
    assert edge.tolist() == [2, 1, 0]


def test_class_mode_finds_each_class_run():
    p = _probs(40, [(0, 5, 12, 0.9), (2, 20, 29, 0.8)])
    segs = decode_segments(p, 3, DecodeParams(threshold=0.5, smooth=1, min_len=1))
    assert [s[:3] for s in segs] == [(0, 5, 12), (2, 20, 29)]
    assert segs[0][3] == pytest.approx(0.9)


def test_min_len_and_per_class_thresholds():
    p = _probs(40, [(0, 5, 6, 0.9), (1, 20, 29, 0.45)])
    params = DecodeParams(threshold=0.5, smooth=1, min_len=3)
    assert decode_segments(p, 3, params) == []  # 2-frame run too short; 0.45 below 0.5
    params = DecodeParams(threshold=[0.5, 0.4, 0.5], smooth=1, min_len=3)
    assert [s[:3] for s in decode_segments(p, 3, params)] == [(1, 20, 29)]


def test_nms_keeps_the_higher_scoring_of_overlapping_classes():
    # classes 0 and 1 both above 0.3 on frames 10..19 (the model hesitates): one segment survives, class 0
    p = np.zeros((30, 3))
    p[:, 2] = 1
    p[10:20] = [0.5, 0.4, 0.1]
    segs = decode_segments(p, 2, DecodeParams(threshold=0.3, smooth=1, min_len=1, nms=0.3))
    assert [s[:3] for s in segs] == [(0, 10, 19)]
    kept = temporal_nms([(0, 0, 9, 0.5), (1, 5, 14, 0.9), (0, 20, 25, 0.2)], 0.3)  # IoU(0-9, 5-14) = 5/15
    assert [k[:3] for k in kept] == [(1, 5, 14), (0, 20, 25)]


def test_actionness_mode_labels_a_run_by_its_mean_class():
    # frames 10..19 foreground 0.9, split 0.5/0.4 then 0.3/0.6 between classes 0 and 1: one segment, class
    # 1 (mean 0.5 vs 0.4); class mode at 0.45 would cut it in two
    p = np.zeros((30, 3))
    p[:, 2] = 1
    p[10:15] = [0.5, 0.4, 0.1]
    p[15:20] = [0.3, 0.6, 0.1]
    segs = decode_segments(p, 2, DecodeParams(threshold=0.5, smooth=1, min_len=1, mode='actionness'))
    assert [s[:3] for s in segs] == [(1, 10, 19)]
    split = decode_segments(p, 2, DecodeParams(threshold=0.45, smooth=1, min_len=1, nms=1.0))
    assert [s[:3] for s in split] == [(0, 10, 14), (1, 15, 19)]


def test_window_centres_and_interpolation():
    assert window_centres(10, 4).tolist() == [0, 4, 8, 9]
    assert window_centres(9, 4).tolist() == [0, 4, 8]
    fp = interpolate_frames(np.array([0, 4, 8]), np.array([[0., 1.], [1., 0.], [1., 0.]]), 9)
    assert fp[:, 0].tolist() == [0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1]


def test_tuning_picks_parameters_that_reach_the_best_f1():
    # ground truth (0, 10, 19); the model is sure on 12..17 only at 0.55: threshold 0.5 finds (0, 12, 17)
    # (overlap 5/9 = 0.56), threshold 0.6 finds nothing
    p = _probs(40, [(0, 12, 17, 0.55)])
    result = tune_decoder({'s': p}, {'s': [(0, 10, 19)]}, 3,
                          dict(threshold=[0.6, 0.5], smooth=[1], min_len=[1], nms=[0.3], mode=['class']))
    assert result.params.threshold == 0.5 and result.f1 == 1.0 and result.tried == 2


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match='decode mode'):
        DecodeParams(mode='viterbi').check()
    with pytest.raises(ValueError, match='2 thresholds for 3 gesture classes'):
        decode_segments(_probs(5, []), 3, DecodeParams(threshold=[0.5, 0.5]))


def test_tuning_breaks_ties_by_the_stricter_overlap():
    # ground truth (0, 10, 19); class 0 has 0.45 on frames 5..30 and 0.55 on 10..19. Threshold 0.4 finds
    # (0, 5, 30): overlap 9/25 = 0.36, a hit at 0.3 only; threshold 0.5 finds (0, 10, 19): a hit at both.
    # Both give F1 1 at 0.3; the tie goes to 0.5 (F1 1 at overlap 0.5), not to the first in grid order.
    p = _probs(40, [(0, 5, 30, 0.45)])
    p[10:20] = [0.55, 0, 0, 0.45]
    result = tune_decoder({'s': p}, {'s': [(0, 10, 19)]}, 3,
                          dict(threshold=[0.4, 0.5], smooth=[1], min_len=[1], nms=[0.3], mode=['class']))
    assert [f1 for _, f1 in result.table] == [1.0, 1.0]
    assert result.params.threshold == 0.5
