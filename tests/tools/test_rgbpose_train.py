"""The RGB stream end to end on CPU, on a real video: real MediaPipe skeletons of tests/data/videos/basketball
(bundled, tests/data/rgb; fixture labels) -> tools/data/pair_rgb.py -> tools/train.py (two-stream demo model: decode,
sample, heatmaps + frames, four losses) -> tools/test.py (fused and per-pathway score dumps) -> fused with a
skeleton-only model's dump by tools/test.py --ensemble.
"""
import glob
import importlib.util
import json
import math
import os

import numpy as np
import pytest

from mg_posec3d.fileio import load_scores, safe_load_pickle
from tests.conftest import DATA, REPO, tool_path

pytestmark = pytest.mark.slow
SKELETONS = os.path.join(DATA, 'rgb', 'basketball_miga22_stride2.pkl')
VIDEOS = os.path.join(DATA, 'videos')
TWO_STREAM = os.path.join(REPO, 'configs', 'demo', 'rgbpose_joint.py')
SKELETON_ONLY = os.path.join(REPO, 'configs', 'demo', 'joint.py')
LOSSES = ('rgb_loss_cls', 'pose_loss_cls', 'rgb_loss_emb', 'pose_loss_emb')


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, tool_path(name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _options(ann, epochs=2):
    opts = [f'train_cfg.max_epochs={epochs}', f'param_scheduler.0.T_max={epochs}', 'randomness.seed=0',
            f'train_dataloader.dataset.rgb_root={VIDEOS}']
    for key in ('train', 'val', 'test'):
        opts += [f'{key}_dataloader.dataset.ann_file={ann}', f'{key}_dataloader.dataset.rgb_root={VIDEOS}',
                 f'{key}_dataloader.num_workers=0', f'{key}_dataloader.persistent_workers=False']
    return opts


def _run(name, args, capsys):
    """A tool's main() in this process (the CLI minus interpreter start-up: about 7 s saved per call)."""
    code = _tool(name).main([str(a) for a in args])
    out = capsys.readouterr()
    assert code == 0, (out.out + out.err)[-3000:]
    return out.out


@pytest.fixture(scope='module')
def paired(tmp_path_factory):
    out = tmp_path_factory.mktemp('rgb') / 'demo_rgb.pkl'
    assert _tool('pair_rgb').main([SKELETONS, VIDEOS, '--out', str(out)]) == 0
    return str(out)


def test_pairing_keeps_the_skeletons_frame_indices(paired):
    data = safe_load_pickle(paired)
    assert len(data['annotations']) == 6 and len(data['split']['all']) == 6
    for a in data['annotations']:
        assert a['rgb'] == 'basketball_426x240.mp4' and a['rgb_total_frames'] == 300
        assert a['rgb_frame_inds'].tolist() == a['frame_inds'].tolist()  # every 2nd frame of the clip


def test_two_stream_trains_tests_and_fuses_with_a_skeleton_model(paired, tmp_path, capsys, one_torch_thread):
    from mg_posec3d.apis import load_config, run_test, train

    work = tmp_path / 'rgbpose'
    _run('train', [TWO_STREAM, '--work-dir', work, '--cfg-options', *_options(paired)], capsys)
    rows = [json.loads(line) for p in glob.glob(str(work / '*' / 'vis_data' / 'scalars.json')) for line in open(p)]
    train_rows = [r for r in rows if 'loss' in r]
    assert len(train_rows) == 2 * 3  # 6 clips, batch 2, 2 epochs
    for r in train_rows:
        assert all(k in r and math.isfinite(r[k]) for k in LOSSES), r
        assert r['loss'] == pytest.approx(sum(r[k] for k in LOSSES), rel=1e-4)
    emb = [r['rgb_loss_emb'] + r['pose_loss_emb'] for r in train_rows]
    assert np.mean(emb[-2:]) < np.mean(emb[:2])  # the regression to the label vectors is learning
    val = [r for r in rows if 'acc/top1' in r]
    assert val and all('pathway/rgb_top1' in r and 'pathway/pose_top1' in r for r in val)

    # test: the fused dump (tools/test.py --dump) and the per-pathway dumps (PathwayScoreMetric)
    dump = tmp_path / 'scores' / 'rgbpose.npz'
    out = _run('test', [TWO_STREAM, work / 'epoch_2.pth', '--work-dir', tmp_path / 'test', '--dump', dump,
                        '--cfg-options', *_options(paired), f'test_evaluator.1.out_file={dump}'], capsys)
    assert 'acc/top1' in out and 'pathway/rgb_top1' in out
    fused, rgb, pose = (load_scores(dump), load_scores(tmp_path / 'scores' / 'rgbpose_rgb.npz'),
                        load_scores(tmp_path / 'scores' / 'rgbpose_pose.npz'))
    ids = sorted(safe_load_pickle(paired)['split']['all'])
    assert sorted(fused.ids) == sorted(rgb.ids) == sorted(pose.ids) == ids
    assert list(fused.ids) == list(rgb.ids) == list(pose.ids)
    np.testing.assert_allclose(fused.scores, (rgb.scores + pose.scores) / 2, atol=1e-6)  # 1:1 fusion
    np.testing.assert_allclose(fused.scores.sum(1), 1, atol=1e-5)
    assert list(fused.labels) == [int(i.rsplit('_', 1)[1]) % 3 for i in fused.ids]  # the fixture labels

    # a skeleton-only model on the same clips (the skeleton dataset ignores the RGB fields)
    opts = dict(o.split('=', 1) for o in _options(paired, epochs=1) if 'rgb_root' not in o)
    opts = {k: (int(v) if v.isdigit() else v == 'True' if v in ('True', 'False') else v) for k, v in opts.items()}
    for key in ('train', 'val', 'test'):
        opts.update({f'{key}_dataloader.dataset.split': 'all', f'{key}_dataloader.batch_size': 3})
        opts[f'{key}_dataloader.dataset.pipeline.0.clip_len'] = 8
    cfg = load_config(SKELETON_ONLY, opts, str(tmp_path / 'joint'))
    train(cfg)
    joint = run_test(load_config(SKELETON_ONLY, opts, str(tmp_path / 'joint')),
                     str(tmp_path / 'joint' / 'epoch_1.pth'), dump=str(tmp_path / 'scores' / 'joint.npz'))

    # fuse RGB, pose and the skeleton model by id
    ens = tmp_path / 'ensemble'
    inputs = [str(tmp_path / 'scores' / f'rgbpose_{p}.npz') for p in ('rgb', 'pose')] + [joint]
    assert _tool('test').main(['--ensemble', *inputs, '--weights', '1', '1', '2', '--work-dir', str(ens)]) == 0
    out = load_scores(ens / 'fused_scores.npz')
    by_id = [{i: s for i, s in zip(d.ids, d.scores)} for d in map(load_scores, inputs)]
    expect = np.stack([(by_id[0][i] + by_id[1][i] + 2 * by_id[2][i]) / 4 for i in out.ids])
    assert sorted(out.ids) == ids
    np.testing.assert_allclose(out.scores, expect, atol=1e-6)


def test_rgb_only_baseline_trains_and_dumps_scores(paired, tmp_path, capsys, one_torch_thread):
    config = os.path.join(REPO, 'configs', 'demo', 'rgb_only.py')
    work = tmp_path / 'rgb_only'
    _run('train', [config, '--work-dir', work, '--cfg-options', *_options(paired, epochs=1)], capsys)
    rows = [json.loads(line) for p in glob.glob(str(work / '*' / 'vis_data' / 'scalars.json')) for line in open(p)]
    assert [k for k in ('loss_cls', 'loss_emb') if all(math.isfinite(r[k]) for r in rows if 'loss' in r)] == [
        'loss_cls', 'loss_emb']
    dump = tmp_path / 'rgb_only.npz'
    _run('test', [config, work / 'epoch_1.pth', '--work-dir', tmp_path / 'test', '--dump', dump, '--cfg-options',
                  *_options(paired, epochs=1)], capsys)
    scores = load_scores(dump)
    assert sorted(scores.ids) == sorted(safe_load_pickle(paired)['split']['all'])
    np.testing.assert_allclose(scores.scores.sum(1), 1, atol=1e-5)
