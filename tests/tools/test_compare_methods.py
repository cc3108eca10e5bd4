"""tools/analysis/compare_methods.py and the ridge reference: folds, argument errors, the closed-form ridge against an
independent least-squares solution, and a 1-fold / 1-epoch run on real clips of 4 participants of the bundled
sample (the full comparison is `make compare`, not part of make test)."""
import json

import numpy as np
import pytest

from mg_posec3d.baselines import compare as C
from mg_posec3d.baselines.ridge import FINGERTIPS, WRIST, RidgeClassifier, hand_shape
from mg_posec3d.fileio import load_scores, safe_load_pickle, save_pickle
from mg_posec3d.layouts import MIGA22
from tests.conftest import SAMPLE
from tests.tools.test_rgbpose_train import _tool
from tests.tools.unformatted_config import unformatted_config_text  # noqa: F401  (autouse fixture)


@pytest.fixture(scope='module')
def four_subjects(tmp_path_factory):
    """Real clips of participants P1-P4 of the bundled sample, 2 of each class per participant."""
    data = safe_load_pickle(SAMPLE)
    keep = []
    for subject in range(1, 5):
        for label in range(3):
            keep += [a['frame_dir'] for a in data['annotations']
                     if a['subject'] == subject and a['label'] == label][:2]
    split = {f'P{i}': [x for x in keep if x.startswith(f'P{i}_')] for i in range(1, 5)}
    path = tmp_path_factory.mktemp('cmp') / 'p1_p4.pkl'
    save_pickle(dict(data, split=split, annotations=[a for a in data['annotations'] if a['frame_dir'] in keep]),
                path)
    return str(path)


def test_four_folds_test_every_participant_once():
    folds = C.make_folds(range(1, 9), 4)
    assert [f.test for f in folds] == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert [f.val for f in folds] == [(3, ), (5, ), (7, ), (1, )]
    for f in folds:
        assert sorted(f.train + f.val + f.test) == list(range(1, 9)) and len(f.train) == 5
    with pytest.raises(C.CompareError, match='--folds must be between 2 and the number of subjects'):
        C.make_folds(range(1, 9), 9)


@pytest.mark.parametrize('args,message', [
    (['--methods', 'posec3d_joint_ce', 'transformer'], "unknown method(s) ['transformer']"),
    (['--folds', '1'], '--folds must be between 2'),
    (['--epochs', '0'], '--epochs must be >= 1'),
    (['--ann-file', 'missing.pkl'], 'missing.pkl: no such annotation file'),
])
def test_bad_arguments_are_one_error_line(args, message, tmp_path, capsys):
    code = _tool('compare_methods').main(args + ['--work-dir', str(tmp_path / 'w'), '--out', str(tmp_path / 'r')])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith('error: ') and message in err and 'Traceback' not in err


def test_clips_without_subject_are_refused(tmp_path, capsys):
    import pickle

    data = safe_load_pickle(SAMPLE)
    del data['annotations'][3]['subject']
    path = tmp_path / 'nosubject.pkl'
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    assert _tool('compare_methods').main(['--ann-file', str(path), '--out', str(tmp_path / 'r')]) == 2
    assert f"sample '{data['annotations'][3]['frame_dir']}': field subject missing" in capsys.readouterr().err


def test_ridge_equals_an_independent_least_squares_solution():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)) * [1, 2, 3, 4, 5, 6] + 3
    y = rng.integers(0, 3, 40)
    model = RidgeClassifier(alpha=5.0, num_classes=3).fit(x, y)
    # oracle: ridge as ordinary least squares on [standardised X, 1; sqrt(alpha) I, 0] (intercept unpenalised)
    xs = (x - x.mean(0)) / x.std(0)
    targets = np.where(np.eye(3)[y] > 0, 1.0, -1.0)
    a = np.vstack([np.hstack([xs, np.ones((40, 1))]), np.hstack([np.sqrt(5.0) * np.eye(6), np.zeros((6, 1))])])
    b = np.vstack([targets, np.zeros((6, 3))])
    sol = np.linalg.lstsq(a, b, rcond=None)[0]
    np.testing.assert_allclose(model.weights, sol[:6], rtol=1e-8)
    np.testing.assert_allclose(model.bias, sol[6], rtol=1e-8)
    np.testing.assert_array_equal(model.predict(x), (xs @ sol[:6] + sol[6]).argmax(1))


def test_hand_shape_is_the_right_hand_relative_to_its_wrist():
    assert MIGA22.joints[WRIST] == 'HandLeft'  # image left = the person's right hand
    assert [MIGA22.joints[i] for i in FINGERTIPS] == [f'RightFinger{k}' for k in range(1, 6)]
    ann = safe_load_pickle(SAMPLE)['annotations'][0]
    feat = hand_shape(ann, 2).reshape(2, 5, 2)
    kp = ann['keypoint'][0].astype(np.float32)
    rel = kp[[0, -1]][:, list(FINGERTIPS)] - kp[[0, -1]][:, [WRIST]]
    np.testing.assert_allclose(feat, rel / np.linalg.norm(rel, axis=-1).mean(), rtol=1e-5)


def test_ridge_tool_on_real_clips(four_subjects, capsys):
    assert _tool('ridge_baseline').main(['--ann-file', four_subjects, '--folds', '2']) == 0
    out = capsys.readouterr().out
    per_fold = [float(line.split('top-1 ')[1].split()[0]) for line in out.splitlines() if line.startswith('test')]
    assert len(per_fold) == 2
    mean = float(out.split('mean top-1 over 2 folds: ')[1].split()[0])
    assert mean == pytest.approx(np.mean(per_fold), abs=1e-3)  # the per-fold lines are rounded


def test_ridge_tool_on_named_splits_dumps_scores_for_the_ensemble(four_subjects, tmp_path, capsys):
    data = safe_load_pickle(four_subjects)
    ann = tmp_path / 'splits.pkl'
    save_pickle(dict(data, split=dict(data['split'], train=data['split']['P1'] + data['split']['P2']
                                      + data['split']['P3'])), ann)
    dump = tmp_path / 'ridge_P4.npz'
    args = ['--ann-file', str(ann), '--train-split', 'train', '--test-split', 'P4', '--dump', str(dump)]
    assert _tool('ridge_baseline').main(args) == 0
    printed = float(capsys.readouterr().out.split('P4: top-1 ')[1].split(',')[0])
    scores = load_scores(dump)
    assert sorted(scores.ids) == sorted(data['split']['P4'])
    assert printed == pytest.approx(float((scores.scores.argmax(1) == scores.labels).mean()), abs=1e-3)
    np.testing.assert_allclose(scores.scores.sum(1), 1, rtol=1e-5)  # probabilities, fusable like a model's
    assert _tool('ridge_baseline').main(args) == 2  # an existing dump is kept without --overwrite
    assert 'pass --overwrite' in capsys.readouterr().err
    assert _tool('ridge_baseline').main(args[:4] + ['--test-split', 'P9']) == 2
    assert "no split 'P9'" in capsys.readouterr().err


@pytest.mark.slow
def test_one_fold_one_epoch_comparison(four_subjects, tmp_path, capsys, one_torch_thread):
    work, out = tmp_path / 'work', tmp_path / 'report'
    args = ['--ann-file', four_subjects, '--folds', '2', '--max-folds', '1', '--epochs', '1', '--methods',
            'stgcn_joint', 'stgcn_bone', '--work-dir', str(work), '--out', str(out)]
    assert _tool('compare_methods').main(args) == 0
    table = (out / 'comparison.md').read_text()
    for label in ('ST-GCN joint', 'ST-GCN bone', 'ST-GCN joint + bone 1:1', 'best fusion', 'ridge classifier'):
        assert label in table
    assert (out / 'comparison.png').read_bytes()[:4] == b'\x89PNG'
    report = json.loads((out / 'comparison.json').read_text())
    assert report['folds'] == [dict(index=0, test=[1, 2], val=[3], train=[4])]
    fold = report['per_fold']['0']
    # the 1:1 fusion's top-1 recomputed from the two test dumps
    joint, bone = (load_scores(work / 'fold0' / m / 'scores_test.npz') for m in ('stgcn_joint', 'stgcn_bone'))
    by_id = dict(zip(bone.ids, bone.scores))
    fused = np.stack([s + by_id[i] for i, s in zip(joint.ids, joint.scores)])
    assert fold['stgcn_joint_bone_1to1']['top1'] == pytest.approx(float((fused.argmax(1) == joint.labels).mean()))
    assert sum(fold['best_val_fusion']['weights'].values()) == pytest.approx(1)
    assert joint.labels.size == 12 and sorted(set(i.split('_')[0] for i in joint.ids)) == ['P1', 'P2']
    assert sorted(np.bincount(joint.labels)) == [4, 4, 4]

    # the report is not replaced without --overwrite; with it, finished runs are reused (no retraining)
    assert _tool('compare_methods').main(args) == 2
    assert 'refusing to overwrite' in capsys.readouterr().err
    ckpt = next((work / 'fold0' / 'stgcn_joint').glob('*.pth'))
    mtime = ckpt.stat().st_mtime
    assert _tool('compare_methods').main(args + ['--overwrite']) == 0
    assert ckpt.stat().st_mtime == mtime
