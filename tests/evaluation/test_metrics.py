"""Metrics against published numbers (mmaction2 demo/fuse), mmaction2's own functions, hand-checked cases."""
import csv
import math

import numpy as np
import pytest
from mmaction.evaluation.functional import mean_class_accuracy as mm_mean_class_accuracy
from mmaction.evaluation.functional import top_k_accuracy as mm_top_k_accuracy

from mg_posec3d.evaluation import metrics as M
from mg_posec3d.evaluation.ensemble import ensemble_dumps
from mg_posec3d.fileio import load_scores


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


def test_top_k_hand_checked_with_a_tie_ranked_as_mmaction2_ranks_it():
    scores = np.array([[0.1, 0.6, 0.3],
                       [0.5, 0.2, 0.3],
                       [0.4, 0.4, 0.2]])  # tie between 0 and 1: mmaction2's argsort ranks class 1 first
    labels = np.array([0, 0, 1])  # ranks of the true class: 3rd, 1st, 1st (by the tie rule)
    assert M.top_k_accuracy(scores, labels, (1, 2, 3)) == [pytest.approx(2 / 3), pytest.approx(2 / 3), 1.0]
    assert M.top_k_accuracy(scores[2:], labels[2:], (1,)) == [1.0]   # was 0.0 (stable sort: class 0 first)
    # np.argmax (predictions, mean-class accuracy, submissions, the display ranking) takes the lower index
    assert M.ranked_classes(scores)[2].tolist() == [0, 1, 2]
    assert M.predictions(scores).tolist() == [1, 0, 0]


def _tied_cases():
    """Scores full of ties: integer scores, one-hot rows, all-equal rows; 10 and 40 classes (numpy sorts
    short and long rows by different algorithms), float32 as in the dumps and float64 as after fusion."""
    rng = np.random.default_rng(0)
    for c in (10, 40):
        labels = rng.integers(0, c, 300)
        yield f'int-{c}', rng.integers(0, 3, (300, c)), labels
        yield f'onehot-{c}', np.eye(c, dtype=np.float32)[rng.integers(0, c, 300)], labels
        yield f'equal-{c}', np.full((300, c), 1 / c, np.float32), labels
        mixed = rng.integers(0, 4, (300, c)).astype(np.float32) / 4
        yield f'mixed-{c}-f32', mixed, labels
        yield f'mixed-{c}-f64', mixed.astype(np.float64), labels


@pytest.mark.parametrize('name, scores, labels', list(_tied_cases()), ids=lambda x: x if isinstance(x, str) else '')
def test_ties_give_exactly_mmaction2s_numbers(name, scores, labels):
    topk = (1, 2, 5)
    assert M.top_k_accuracy(scores, labels, topk) == [float(a) for a in mm_top_k_accuracy(scores, labels, topk)]
    assert M.mean_class_accuracy(scores, labels) == float(mm_mean_class_accuracy(scores, labels))
    m = M.evaluate(scores, labels)
    assert (m['top1'], m['top5'], m['mean_class']) == (
        float(mm_top_k_accuracy(scores, labels, (1,))[0]), float(mm_top_k_accuracy(scores, labels, (5,))[0]),
        float(mm_mean_class_accuracy(scores, labels)))


def test_ensemble_path_reports_mmaction2s_numbers_on_tied_dumps(tmp_path):
    """tools/test.py --ensemble: dumps read from disk, fused, evaluated; every number equals mmaction2's
    functions on the same (fused) scores, and the weight search's top-1 agrees with the reported one."""
    from mg_posec3d.evaluation.ensemble import align_dumps, fuse, search_weights
    from mg_posec3d.fileio import save_scores

    rng = np.random.default_rng(1)
    n, c = 120, 8
    labels = rng.integers(0, c, n)
    ids = [f'v{i}' for i in range(n)]
    one_hot = np.eye(c, dtype=np.float32)[rng.integers(0, c, n)]
    uniform = np.full((n, c), 1 / c, np.float32)
    uniform[::3] = np.eye(c, dtype=np.float32)[labels[::3]]           # every third row: certain and right
    paths = [save_scores(tmp_path / f'{k}.npz', ids, s, labels) for k, s in (('a', one_hot), ('b', uniform))]
    res = ensemble_dumps(paths, weights=[1, 1])
    for s, m in zip((one_hot, uniform), res.input_metrics):
        assert m['top1'] == float(mm_top_k_accuracy(s, labels, (1,))[0])
        assert m['top5'] == float(mm_top_k_accuracy(s, labels, (5,))[0])
        assert m['mean_class'] == float(mm_mean_class_accuracy(s, labels))
    fused = fuse([one_hot, uniform], [0.5, 0.5])
    assert res.fused_metrics['top1'] == float(mm_top_k_accuracy(fused, labels, (1,))[0])
    assert res.fused_metrics['mean_class'] == float(mm_mean_class_accuracy(fused, labels))
    # the tie rule matters here: on all-equal rows mmaction2's top-1 is the last class, np.argmax's the first
    assert res.input_metrics[1]['top1'] != float((uniform.argmax(1) == labels).mean())
    # reference weights (0, 1): the tied uniform dump alone, scored by the search and by evaluate()
    found = search_weights(align_dumps([load_scores(p) for p in paths]), step=0.25, metric='top1',
                           reference=(0, 1))
    assert found.default_score == found.default_metrics['top1'] == res.input_metrics[1]['top1']
    assert found.best_score == found.best_metrics['top1']
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
