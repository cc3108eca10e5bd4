"""Score dumps (.npz) are checked when read: each bad field gives one line naming the file and the field (all
problems together). The bad dumps are written by the tests with np.savez."""
import numpy as np
import pytest

from mg_posec3d.fileio import load_scores, save_scores

IDS = np.array(['x1', 'x2', 'x3', 'x4'])
SCORES = np.full((4, 3), 1 / 3, np.float32)


def dump(tmp_path, **fields):
    arrays = dict(ids=IDS, scores=SCORES, labels=np.array([0, 1, 2, -1]))
    arrays.update(fields)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    path = tmp_path / 'd.npz'
    np.savez(path, **arrays)
    return str(path)


def error(path) -> str:
    with pytest.raises(ValueError) as e:
        load_scores(path)
    return str(e.value)


@pytest.mark.parametrize('fields, message', [
    (dict(labels=np.array([0, 1])), 'field labels has shape (2,), expected [4] (one per id)'),
    (dict(labels=np.zeros((4, 2), np.int64)), 'field labels has shape (4, 2), expected [4] (one per id)'),
    (dict(labels=np.array([0.5, 1, 2, 0])), 'field labels has dtype float64, expected integers (-1 = unknown)'),
    (dict(labels=np.array([0, 1, 3, -1])), "field labels: sample 'x3' has label 3, outside [0, 3) (and not -1 = "
                                           'unknown)'),
    (dict(scores=np.full(4, 0.5)), 'field scores has shape (4,), expected [4, C] (one row per id)'),
    (dict(scores=np.full((4, 3, 1), 0.5)), 'field scores has shape (4, 3, 1), expected [4, C] (one row per id)'),
    (dict(scores=np.full((3, 3), 0.5)), 'field scores has shape (3, 3), expected [4, C] (one row per id)'),
    (dict(scores=np.where(np.eye(4, 3) > 0, np.nan, 0.5)),
     "field scores holds non-finite values (NaN/inf) in 3 sample(s), e.g. 'x1'"),
    (dict(scores=np.full((4, 3), 0.5 + 1j)), 'field scores has dtype complex128, expected real numbers (float)'),
    (dict(scores=np.full((4, 3), '0.5')), 'field scores has dtype <U3, expected real numbers (float)'),
    (dict(ids=np.array(['x1', 'x2', 'x1', 'x1'])), "field ids: 1 id(s) occur more than once, e.g. 'x1' (3 times)"),
    (dict(ids=IDS.reshape(2, 2)), 'field ids has shape (2, 2), expected [N] (one id per sample)'),
    (dict(class_names=np.array(['a', 'b'])), 'field class_names has shape (2,), expected [3] (one per class)'),
])
def test_a_bad_field_is_named(tmp_path, fields, message):
    path = dump(tmp_path, **fields)
    assert error(path) == f'{path}: not a valid score dump: {message}'


def test_all_problems_in_one_message(tmp_path):
    path = dump(tmp_path, ids=np.array(['a', 'a', 'b', 'c']), labels=np.array([[0], [1], [2], [0]]))
    assert error(path) == (f'{path}: not a valid score dump: field labels has shape (4, 1), expected [4] (one per '
                           "id); field ids: 1 id(s) occur more than once, e.g. 'a' (2 times)")


def test_a_dump_written_by_save_scores_reads_back(tmp_path):
    path = save_scores(tmp_path / 'ok.npz', IDS, SCORES, [0, 1, 2, 0], ['a', 'b', 'c'])
    d = load_scores(path)
    assert d.ids == list(IDS) and d.labels.tolist() == [0, 1, 2, 0] and d.class_names == ['a', 'b', 'c']
    np.testing.assert_array_equal(d.scores, SCORES)
    unlabelled = load_scores(dump(tmp_path, labels=None))
    assert unlabelled.labels is None
