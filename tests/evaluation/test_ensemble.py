"""Fusion by sample id, input checks, and the weight search (on constructed cases, said so below)."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mg_posec3d.evaluation import ensemble as E
from mg_posec3d.fileio import ScoreDump, load_scores, save_scores


def test_default_weights_are_the_miga2023_two_to_three(ntu_dumps, ntu):
    res = E.ensemble_dumps(ntu_dumps)
    assert res.weights.tolist() == pytest.approx([0.4, 0.6])
    np.testing.assert_allclose(res.fused, 0.4 * ntu['joint'] + 0.6 * ntu['bone'], atol=1e-6)
    assert E.normalise_weights(None, 3).tolist() == pytest.approx([1 / 3] * 3)


def test_fusion_matches_by_id_not_position(tmp_path, ntu):
    perm = np.random.default_rng(0).permutation(len(ntu['ids']))
    a = save_scores(tmp_path / 'a.npz', ntu['ids'], ntu['joint'], ntu['labels'])
    b = save_scores(tmp_path / 'b.npz', ntu['ids'], ntu['bone'], ntu['labels'])
    b_shuffled = save_scores(tmp_path / 'b_shuffled.npz', [ntu['ids'][i] for i in perm], ntu['bone'][perm],
                             ntu['labels'][perm])
    in_order, shuffled = E.ensemble_dumps([a, b]), E.ensemble_dumps([a, b_shuffled])
    assert shuffled.ids == in_order.ids
    np.testing.assert_array_equal(shuffled.fused, in_order.fused)
    assert shuffled.fused_metrics == in_order.fused_metrics
    # and the fused dump round-trips through the dump format
    back = load_scores(shuffled.save(tmp_path / 'fused.npz'))
    assert back.ids == in_order.ids and np.array_equal(back.labels, ntu['labels'])


def test_different_id_sets_error_lists_differences(tmp_path, ntu):
    a = save_scores(tmp_path / 'val_joint.npz', ntu['ids'], ntu['joint'])
    ids_b = ntu['ids'][:-2] + ['other1', 'other2']
    b = save_scores(tmp_path / 'test_limb.npz', ids_b, ntu['bone'])
    with pytest.raises(E.EnsembleError) as e:
        E.ensemble_dumps([a, b])
    msg = str(e.value)
    assert 'val_joint.npz: 60 ids, 2 not in the other' in msg and "'ntu58', 'ntu59'" in msg
    assert 'test_limb.npz: 60 ids, 2 not in the other' in msg and "'other1', 'other2'" in msg


@pytest.mark.parametrize('case, match', [
    ('dup', 'occur more than once'),
    ('classes', 'has 5 classes'),
    ('labels', 'field labels is'),
    ('logits', 'not logits'),
    ('names', 'different class_names'),
])
def test_unfusable_dumps_refused(case, match):
    p = np.full((3, 4), 0.25, np.float32)
    a = ScoreDump(['x', 'y', 'z'], p, np.array([0, 1, 2]), ['a', 'b', 'c', 'd'], path='a.npz')
    b = ScoreDump(['x', 'y', 'z'], p.copy(), np.array([0, 1, 2]), None, path='b.npz')
    if case == 'dup':
        b.ids = ['x', 'y', 'y']
    elif case == 'classes':
        b.scores = np.full((3, 5), 0.2, np.float32)
    elif case == 'labels':
        b.labels = np.array([0, 1, 3])
    elif case == 'logits':
        b.scores = np.array([[2.0, -1.0, 0.5, 0.1]] * 3, np.float32)
    elif case == 'names':
        b.class_names = ['a', 'b', 'C', 'd']
    with pytest.raises(E.EnsembleError, match=match):
        E.align_dumps([a, b])


def test_unknown_labels_are_filled_from_the_other_dump():
    p = np.full((2, 2), 0.5, np.float32)
    a = ScoreDump(['x', 'y'], p, np.array([-1, -1]), path='a.npz')
    b = ScoreDump(['y', 'x'], p, np.array([1, 0]), path='b.npz')
    assert E.align_dumps([a, b]).labels.tolist() == [0, 1]


def test_simplex_grid():
    g = E.simplex_grid(3, 0.05)
    assert g.shape == (231, 3)  # C(20 + 2, 2)
    np.testing.assert_allclose(g.sum(axis=1), 1.0)
    assert len({tuple(np.round(r, 6)) for r in g}) == 231 and g.min() >= 0
    assert E.simplex_grid(2, 0.25).tolist() == [[0, 1], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25], [1, 0]]
    with pytest.raises(E.EnsembleError, match='must divide 1'):
        E.simplex_grid(2, 0.3)


def _two_class_dump(margins, labels, path):
    """p(class 1) - p(class 0) = margin for each sample."""
    m = np.asarray(margins, np.float64)
    probs = np.stack([(1 - m) / 2, (1 + m) / 2], 1).astype(np.float32)
    return ScoreDump([f's{i}' for i in range(len(m))], probs, np.asarray(labels), path=path)


def test_search_finds_constructed_optimum(tmp_path):
    """CONSTRUCTED case. With weight w on A and 1 - w on B the fused margin of sample 0 is w - 0.62 (label 1,
    right iff w > 0.62) and of sample 1 is w - 0.73 (label 0, right iff w < 0.73); samples 2, 3 are right for
    any w. On the 0.05 grid w in {0.65, 0.70} gets 4/4; the default 2:3 (w = 0.4) gets 3/4. The tie between
    0.65 and 0.70 goes to the one nearer the default: 0.65."""
    labels = [1, 0, 1, 0]
    a = _two_class_dump([0.38, 0.27, 0.9, -0.9], labels, 'A')
    b = _two_class_dump([-0.62, -0.73, 0.9, -0.9], labels, 'B')
    res = E.search_weights(E.align_dumps([a, b]), step=0.05)
    assert res.best_weights.tolist() == pytest.approx([0.65, 0.35])
    assert res.best_score == 1.0 and res.default_score == 0.75 and res.gain == pytest.approx(0.25)
    assert res.default_weights.tolist() == pytest.approx([0.4, 0.6])
    assert res.num_candidates == 21
    # saved weights load back for the next split, and remember which samples they were searched on
    path = res.save(tmp_path / 'w.json')
    saved = E.load_weights_file(path, 2)
    assert saved.weights.tolist() == pytest.approx([0.65, 0.35])
    assert saved.fingerprint == E.ids_fingerprint(['s3', 's2', 's1', 's0'])
    assert json.loads(open(path).read())['gain'] == pytest.approx(0.25)
    with pytest.raises(E.EnsembleError, match='2 weights given for 3'):
        E.load_weights_file(path, 3)


def test_search_keeps_default_when_nothing_beats_it():
    labels = [1, 0]
    a = _two_class_dump([0.5, -0.5], labels, 'A')
    b = _two_class_dump([0.5, -0.5], labels, 'B')
    res = E.search_weights(E.align_dumps([a, b]))
    assert res.gain == 0 and res.best_weights.tolist() == pytest.approx([0.4, 0.6])


def test_search_refuses_unlabelled():
    a = _two_class_dump([0.5, -0.5], [-1, -1], 'A')
    with pytest.raises(E.EnsembleError, match='needs a label for every sample'):
        E.search_weights(E.align_dumps([a, a]))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_inputs=st.integers(2, 3),
       metric=st.sampled_from(['top1', 'mean_class']))
def test_search_gain_never_negative_and_is_the_grid_maximum(seed, n_inputs, metric):
    """GENERATED random probabilities: the reported best equals a brute-force maximum over the grid plus the
    default (equal weights for 3 inputs are off the 0.1 grid), so the gain over the default is >= 0."""
    rng = np.random.default_rng(seed)
    n, c = 12, 4
    labels = rng.integers(0, c, n)
    dumps = [ScoreDump([f's{i}' for i in range(n)], rng.dirichlet(np.ones(c), n).astype(np.float32), labels,
                       path=f'd{k}') for k in range(n_inputs)]
    aligned = E.align_dumps(dumps)
    res = E.search_weights(aligned, step=0.1, metric=metric)
    assert res.gain >= 0
    from mg_posec3d.evaluation.metrics import evaluate
    brute = max(evaluate(E.fuse(aligned.scores, w), labels)[metric]
                for w in [E.normalise_weights(None, n_inputs)] + list(E.simplex_grid(n_inputs, 0.1)))
    assert res.best_score == pytest.approx(brute)
    assert res.best_metrics[metric] == pytest.approx(res.best_score)
