"""Metrics against published numbers (mmaction2 demo/fuse), mmaction2's own functions, hand-checked cases."""
import csv
import math

import numpy as np
import pytest
from mmaction.evaluation.functional import mean_class_accuracy as mm_mean_class_accuracy
from mmaction.evaluation.functional import top_k_accuracy as mm_top_k_accuracy

from mg_posec3d.evaluation import metrics as M
from mg_posec3d.evaluation.ensemble import ensemble_dumps


def test_oracle_mmaction2_demo_fuse_values(ntu_dumps):
    """Published by mmaction2 (report_accuracy.py --coefficients 1.0 1.0 on demo/fuse joint.pkl, bone.pkl)."""
    res = ensemble_dumps(ntu_dumps, weights=[1, 1])
    joint, bone = res.input_metrics
    fused = res.fused_metrics
    assert [round(joint[k], 4) for k in ('top1', 'top5', 'mean_class')] == [0.9167, 0.9833, 0.9016]
    assert [round(bone[k], 4) for k in ('top1', 'top5', 'mean_class')] == [0.9333, 0.9833, 0.9032]
    assert [round(fused[k], 4) for k in ('top1', 'top5', 'mean_class')] == [0.9333, 0.9833, 0.9180]


def test_mean_class_matches_mmaction2_on_real_scores(ntu):
    for s in (ntu['joint'], ntu['bone'], ntu['joint'] + ntu['bone']):
        assert M.mean_class_accuracy(s, ntu['labels']) == pytest.approx(
            mm_mean_class_accuracy(s, ntu['labels']))
        assert M.top_k_accuracy(s, ntu['labels'], (1, 5)) == pytest.approx(
            mm_top_k_accuracy(s, ntu['labels'], (1, 5)))


def test_mean_class_counts_predicted_but_absent_class_as_zero():
    # hand-checked: classes present in pred or gt = {0, 1, 3}; recalls 1/2, 1/1, 0 -> mean 0.5
    labels = np.array([0, 0, 1])
    scores = np.eye(4)[[0, 3, 1]]
    assert M.mean_class_accuracy(scores, labels) == pytest.approx(0.5)
    assert M.mean_class_accuracy(scores, labels) == pytest.approx(mm_mean_class_accuracy(scores, labels))
    # a class absent from both (class 2) does not count: 0.5, not 0.375
    assert M.mean_class_accuracy(scores, labels) != pytest.approx(0.375)


def test_top_k_hand_checked_and_ties_go_to_lower_index():
    scores = np.array([[0.1, 0.6, 0.3],
                       [0.5, 0.2, 0.3],
                       [0.4, 0.4, 0.2]])  # tie between 0 and 1: class 0 ranks first, like np.argmax
    labels = np.array([0, 0, 1])  # ranks of the true class: 3rd, 1st, 2nd
    assert M.top_k_accuracy(scores, labels, (1, 2, 3)) == [pytest.approx(1 / 3), pytest.approx(2 / 3), 1.0]
    assert M.ranked_classes(scores)[2].tolist() == [0, 1, 2]
    assert M.predictions(scores).tolist() == [1, 0, 0]


def test_evaluate_hides_trivial_top5():
    scores, labels = np.eye(3)[[0, 1, 2]], np.array([0, 1, 1])
    m = M.evaluate(scores, labels)
    assert m['top5'] is None and m['top1'] == pytest.approx(2 / 3)


def test_per_class_csv_hand_checked(tmp_path):
    labels = np.array([0, 0, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 2, 2, 0])
    rows = M.per_class_report(pred, labels, 4, ['a', 'b', 'c', 'd'])
    path = M.write_per_class_csv(tmp_path / 'pc.csv', rows)
    with open(path) as f:
        got = list(csv.reader(f))
    # by hand: class 0 tp 1 of 2 true, 2 predicted; class 1 tp 1 of 1 true, 2 predicted;
    # class 2 tp 2 of 3 true, 2 predicted; class 3 never occurs (precision/recall undefined)
    assert got == [
        ['class_id', 'name', 'support', 'predicted', 'correct', 'precision', 'recall', 'f1'],
        ['0', 'a', '2', '2', '1', '0.5000', '0.5000', '0.5000'],
        ['1', 'b', '1', '2', '1', '0.5000', '1.0000', '0.6667'],
        ['2', 'c', '3', '2', '2', '1.0000', '0.6667', '0.8000'],
        ['3', 'd', '0', '0', '0', '', '', ''],
    ]
    table = M.format_per_class_table(rows)
    assert 'c' in table and '0.667' in table and '1 classes neither' in table


def test_per_class_precision_undefined_for_never_predicted_class():
    rows = M.per_class_report(np.array([0, 0]), np.array([0, 1]), 2)
    assert rows[1]['recall'] == 0.0 and math.isnan(rows[1]['precision']) and math.isnan(rows[1]['f1'])


def test_confusion_matrix_and_row_normalisation_hand_checked():
    cm = M.confusion_matrix(np.array([0, 1, 1, 2, 2, 0]), np.array([0, 0, 1, 2, 2, 2]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    norm = M.row_normalise(np.vstack([cm, [[0, 0, 0]]]))
    np.testing.assert_allclose(norm[:3], [[0.5, 0.5, 0], [0, 1, 0], [1 / 3, 0, 2 / 3]])
    assert norm[3].tolist() == [0, 0, 0]


def test_confusion_png_written(tmp_path):
    pytest.importorskip('matplotlib')
    cm = M.confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 0, 1, 2]), 3)
    path = M.plot_confusion_matrix(cm, ['small', 'medium', 'large'], tmp_path / 'out' / 'cm.png', 'demo')
    with open(path, 'rb') as f:
        head = f.read(8)
    assert head == b'\x89PNG\r\n\x1a\n'
    from matplotlib.image import imread
    img = imread(path)
    assert img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.01  # not a blank canvas


def test_write_reports_files(tmp_path, ntu):
    rep = M.write_reports(tmp_path, 'joint', ntu['joint'][:, :8][:6], np.arange(6))
    assert rep['metrics']['num_samples'] == 6
    assert (tmp_path / 'joint_per_class.csv').stat().st_size > 0
    assert (tmp_path / 'joint_confusion.png').stat().st_size > 0


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match='labels must lie'):
        M.top_k_accuracy(np.eye(3), np.array([0, 1, 3]))
    with pytest.raises(ValueError, match=r'\[N, C\]'):
        M.mean_class_accuracy(np.eye(3), np.array([0, 1]))
