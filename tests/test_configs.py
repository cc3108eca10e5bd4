"""Every shipped config loads and builds, and its keypoint lists are the layout's (no drift)."""
import glob
import os

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from mg_posec3d.layouts import get_layout
from tests.conftest import REPO

# pose-heatmap configs (the RGB configs have their own tests in tests/models/test_rgbpose_head.py, the
# ST-GCN, image-level and TSN baselines and the JS-loss variants of configs/js/ in tests/test_baseline_configs.py)
BASELINES = ('stgcn', 'image', 'tsn')


def is_baseline(path: str) -> bool:
    """A config of a baseline model: in its folder (configs/stgcn/) or named after it (demo/stgcn_joint.py,
    spotting/rtg_demo_stgcn.py)."""
    return (any(b in os.path.basename(path) for b in BASELINES)
            or os.path.basename(os.path.dirname(path)) in BASELINES)


CONFIGS = sorted(p for p in glob.glob(os.path.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p and not os.path.basename(p).startswith('rgb') and not is_baseline(p)
                 and os.path.basename(os.path.dirname(p)) != 'js')


def _pose_targets(cfg):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for t in cfg[key].dataset.pipeline:
            yield key, t


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: os.path.relpath(p, os.path.join(REPO, 'configs')))
def test_config_builds_and_matches_its_layout(path):
    cfg = Config.fromfile(path)
    layout = get_layout(cfg.train_dataloader.dataset.layout)
    limbs = None
    for key, t in _pose_targets(cfg):
        if t['type'] in ('Flip', 'FastGeneratePoseTarget') and 'left_kp' in t:
            assert list(t['left_kp']) == list(layout.left) and list(t['right_kp']) == list(layout.right), key
        if t['type'] == 'FastGeneratePoseTarget':
            if t.get('with_limb'):
                assert [list(x) for x in t['skeletons']] == [list(x) for x in layout.limbs], key
                if t.get('double'):  # the flipped view must swap limb channels of this layout
                    assert (list(t['left_limb']), list(t['right_limb'])) == tuple(map(list, layout.limb_flip()))
                limbs = True
            else:
                limbs = False
    channels = layout.num_limbs if limbs else layout.num_joints
    assert cfg.model.backbone.in_channels == channels

    model = MODELS.build(cfg.model)
    head = cfg.model.cls_head
    x = torch.zeros(1, 1, channels, 8, 32, 32)  # N, clips, C, T, H, W
    with torch.no_grad():
        feat = model.extract_feat(x)[0]
    assert feat.shape[1] == head.in_channels
    assert model.cls_head(feat).shape == (1, head.num_classes)
    n_params = sum(p.numel() for p in model.backbone.parameters())
    if 'demo' not in path:
        assert 1.9e6 < n_params < 2.1e6  # the PoseC3D SlowOnly-R50 pose backbone: 2.0 M parameters


def test_paper_settings_of_the_main_configs():
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'joint.py'))
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(0.4 / 6)
    assert cfg.optim_wrapper.optimizer.weight_decay == 3e-4 and cfg.optim_wrapper.clip_grad is None
    assert cfg.train_cfg.max_epochs == 100 and cfg.train_cfg.val_interval == 1
    assert cfg.model.cls_head.loss_emb_weight == 20 and cfg.model.cls_head.embedding_dim == 300
    sample = cfg.test_dataloader.dataset.pipeline[0]
    assert sample['num_clips'] == 10 and cfg.model.cls_head.average_clips == 'prob'
    heat = [t for t in cfg.test_dataloader.dataset.pipeline if t['type'] == 'FastGeneratePoseTarget'][0]
    assert heat['double'] and heat['sigma'] == 0.6 and heat['use_score']
