"""Every baseline system builds from its config and trains a few iterations on real data with tools/train.py
(in process), and tools/test.py dumps its scores by sample id:

- ST-GCN joint and bone streams, and PoseC3D with the JS loss: real skeletons of the bundled sample;
- the image-level AlexNet (real frames of tests/data/videos/basketball in class folders, fixture labels), the
  image + keypoint ResNet-18 and the TSN ResNet-18 (real frames and MediaPipe skeletons of the same video,
  tests/data/rgb, fixture labels), the last fused with an ST-GCN by tools/test.py --ensemble.
"""
import glob
import json
import math
import os

import numpy as np
import pytest

from mg_posec3d.fileio import load_scores, safe_load_pickle
from tests.conftest import DATA, REPO, subset_of_sample
from tests.datasets.test_image_folder import write_image_folder
from tests.tools.test_rgbpose_train import _run, _tool
from tests.tools.unformatted_config import unformatted_config_text  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.slow
VIDEOS = os.path.join(DATA, 'videos')
SKELETONS = os.path.join(DATA, 'rgb', 'basketball_miga22_stride2.pkl')


def _options(ann=None, epochs=1, **extra):
    # no validation during these short runs (tools/test.py tests the checkpoint)
    opts = [f'train_cfg.max_epochs={epochs}', f'param_scheduler.0.T_max={epochs}', 'randomness.seed=0',
            'default_hooks.logger.interval=1', 'log_level=WARNING', 'train_cfg.val_begin=1000']
    for key in ('train', 'val', 'test'):
        opts += [f'{key}_dataloader.num_workers=0', f'{key}_dataloader.persistent_workers=False']
        opts += [f'{key}_dataloader.dataset.{k}={v}' for k, v in extra.items()]
        if ann:
            opts.append(f'{key}_dataloader.dataset.ann_file={ann}')
    return opts


def _train_rows(work):
    rows = [json.loads(line) for p in glob.glob(os.path.join(str(work), '*', 'vis_data', 'scalars.json'))
            for line in open(p)]
    return [r for r in rows if 'loss' in r]


@pytest.fixture(scope='module')
def skeletons(tmp_path_factory):
    return subset_of_sample(tmp_path_factory.mktemp('skel') / 'small.pkl',
                            {'train': ('train', 16), 'val': ('val', 6), 'test': ('test', 6)})


@pytest.fixture(scope='module')
def paired(tmp_path_factory):
    out = tmp_path_factory.mktemp('rgb') / 'demo_rgb.pkl'
    assert _tool('pair_rgb').main([SKELETONS, VIDEOS, '--out', str(out)]) == 0
    return str(out)


@pytest.mark.parametrize('config,extra', [
    ('stgcn_joint.py', ['model.cls_head.loss_emb_weight=20']),  # with the semantic-embedding loss
    ('stgcn_bone.py', []),
    ('joint_js.py', ['train_dataloader.dataset.pipeline.0.clip_len=8', 'test_dataloader.dataset.pipeline.0.clip_len=8',
                     'val_dataloader.dataset.pipeline.0.clip_len=8']),
])
def test_skeleton_baselines_train_and_dump(config, extra, skeletons, tmp_path, capsys, one_torch_thread):
    path = os.path.join(REPO, 'configs', 'demo', config)
    opts = _options(skeletons, epochs=2) + ['train_dataloader.batch_size=8'] + extra
    _run('train', [path, '--work-dir', tmp_path / 'w', '--cfg-options', *opts], capsys)
    rows = _train_rows(tmp_path / 'w')
    assert len(rows) == 2 * 2  # 16 clips, batch 8, 2 epochs
    for r in rows:
        assert math.isfinite(r['loss_cls'])
        if 'loss_emb' in r:
            assert r['loss'] == pytest.approx(r['loss_cls'] + r['loss_emb'], rel=1e-4)
    if config == 'joint_js.py':
        assert all(0 <= r['loss_emb'] <= math.log(2) for r in rows)  # CE + 1 * JS: JS is at most log 2
    if config == 'stgcn_joint.py':
        assert all(r['loss_emb'] > 0 for r in rows)
    dump = tmp_path / 'scores.npz'
    out = _run('test', [path, tmp_path / 'w' / 'epoch_2.pth', '--work-dir', tmp_path / 't', '--dump', dump,
                        '--cfg-options', *opts], capsys)
    assert 'acc/top1' in out
    scores = load_scores(dump)
    assert sorted(scores.ids) == sorted(safe_load_pickle(skeletons)['split']['test'])
    np.testing.assert_allclose(scores.scores.sum(1), 1, atol=1e-5)


def test_alexnet_on_an_image_folder(tmp_path, capsys, one_torch_thread):
    root = write_image_folder(tmp_path / 'frames')
    path = os.path.join(REPO, 'configs', 'demo', 'image_alexnet.py')
    opts = _options(epochs=2, data_root=root)
    _run('train', [path, '--work-dir', tmp_path / 'w', '--cfg-options', *opts], capsys)
    rows = _train_rows(tmp_path / 'w')
    assert len(rows) == 2 * 2 and all(math.isfinite(r['loss_cls']) for r in rows)  # 6 images, batch 4
    dump = tmp_path / 'scores.npz'
    _run('test', [path, tmp_path / 'w' / 'epoch_2.pth', '--work-dir', tmp_path / 't', '--dump', dump,
                  '--cfg-options', *opts], capsys)
    scores = load_scores(dump)
    assert sorted(scores.ids) == sorted(f'{c}/frame_{k}.jpg' for c in ('1', '2', '10') for k in (0, 1))
    assert scores.class_names == ['1', '2', '10']


def test_image_plus_keypoints_from_clips(paired, tmp_path, capsys, one_torch_thread):
    path = os.path.join(REPO, 'configs', 'demo', 'image_resnet18_keypoints.py')
    opts = _options(paired, epochs=1, rgb_root=VIDEOS)
    _run('train', [path, '--work-dir', tmp_path / 'w', '--cfg-options', *opts], capsys)
    assert len(_train_rows(tmp_path / 'w')) == 2  # 6 clips, batch 3
    dump = tmp_path / 'scores.npz'
    _run('test', [path, tmp_path / 'w' / 'epoch_1.pth', '--work-dir', tmp_path / 't', '--dump', dump,
                  '--cfg-options', *opts], capsys)
    scores = load_scores(dump)
    assert sorted(scores.ids) == sorted(safe_load_pickle(paired)['split']['all'])
    assert list(scores.labels) == [int(i.rsplit('_', 1)[1]) % 3 for i in scores.ids]  # the fixture labels


def test_tsn_rgb_fuses_with_stgcn(paired, tmp_path, capsys, one_torch_thread):
    dumps = []
    for config, extra in (('tsn_r18_rgb.py', dict(rgb_root=VIDEOS)), ('stgcn_joint.py', {})):
        path = os.path.join(REPO, 'configs', 'demo', config)
        opts = _options(paired, epochs=1, split='all', **extra) + [f'{k}_dataloader.batch_size=3'
                                                                    for k in ('train', 'val', 'test')]
        work = tmp_path / config[:-3]
        _run('train', [path, '--work-dir', work, '--cfg-options', *opts], capsys)
        dumps.append(str(tmp_path / f'{config[:-3]}.npz'))
        _run('test', [path, work / 'epoch_1.pth', '--work-dir', work / 't', '--dump', dumps[-1],
                      '--cfg-options', *opts], capsys)
    ens = tmp_path / 'ensemble'
    _run('test', ['--ensemble', *dumps, '--weights', '1', '2', '--work-dir', ens], capsys)
    fused = load_scores(ens / 'fused_scores.npz')
    rgb, skel = ({i: s for i, s in zip(d.ids, d.scores)} for d in map(load_scores, dumps))
    np.testing.assert_allclose(fused.scores, np.stack([(rgb[i] + 2 * skel[i]) / 3 for i in fused.ids]), atol=1e-6)
    assert sorted(fused.ids) == sorted(safe_load_pickle(paired)['split']['all'])
