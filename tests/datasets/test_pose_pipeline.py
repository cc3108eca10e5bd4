"""mmaction2's pose-pipeline oracles, reproduced with the transforms of our shipped configs."""
import os

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.config import Config

from tests.conftest import REPO


def _transform(cfg_name: str, split: str, type_: str, **override):
    cfg = Config.fromfile(os.path.join(REPO, 'configs', cfg_name))
    pipe = cfg[f'{split}_dataloader'].dataset.pipeline
    t = [t for t in pipe if t['type'] == type_][0]
    return TRANSFORMS.build(dict(t, **override))


def test_generate_pose_target_gaussian_mass():
    gen = _transform('joint.py', 'train', 'FastGeneratePoseTarget', sigma=1)
    kp = np.tile(np.array([[24, 24], [40, 40], [24, 40]], np.float32), (1, 8, 1, 1))
    results = dict(keypoint=kp, keypoint_score=np.ones((1, 8, 3), np.float32), img_shape=(64, 64))
    out = gen(results)['imgs']
    assert out.shape == (8, 3, 64, 64)
    np.testing.assert_allclose(out.sum(axis=(2, 3)), 6.27978, atol=1e-4)


def test_uniform_sample_frames_test_mode_seed0():
    sampler = _transform('joint.py', 'test', 'UniformSampleFrames', clip_len=8, num_clips=1, seed=0)
    out = sampler(dict(total_frames=64, start_index=0))
    assert list(out['frame_inds']) == [4, 15, 21, 24, 35, 43, 51, 63]


@pytest.mark.parametrize('cfg_name,channels', [('joint.py', 22), ('limb.py', 21)])
def test_full_test_pipeline_on_a_real_clip(cfg_name, channels):
    """10 clips x flip-doubled heatmaps of 48 frames at 64x64, as the paper's test setting."""
    from mmengine.dataset import Compose

    from mg_posec3d.fileio import safe_load_pickle
    from tests.conftest import SAMPLE

    cfg = Config.fromfile(os.path.join(REPO, 'configs', cfg_name))
    ann = dict(safe_load_pickle(SAMPLE)['annotations'][0])
    ann['keypoint'] = ann['keypoint'].astype(np.float32)
    ann['keypoint_score'] = ann['keypoint_score'].astype(np.float32)
    ann['start_index'], ann['modality'] = 0, 'Pose'
    ann['label_embedding'] = np.zeros(300, np.float32)
    out = Compose(cfg.test_dataloader.dataset.pipeline)(ann)
    assert tuple(out['inputs'].shape) == (20, channels, 48, 64, 64)
    assert out['data_samples'].frame_dir == ann['frame_dir']
