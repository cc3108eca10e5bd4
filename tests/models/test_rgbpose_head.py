"""RGBPoseConv3D with our channel counts, the two-stream semantic head, the configs (the per-pathway metric:
tests/evaluation/test_pathway_metric.py)."""
import glob
import os

import mmaction
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint

from mg_posec3d.layouts import get_layout
from mg_posec3d.models.rgbpose_head import RGBPoseSemanticHead
from tests.conftest import REPO

RGB_CONFIGS = sorted(glob.glob(os.path.join(REPO, 'configs', '**', 'rgbpose_*.py'), recursive=True)
                     + glob.glob(os.path.join(REPO, 'configs', '**', 'rgb_only.py'), recursive=True))
DEMO = os.path.join(REPO, 'configs', 'demo', 'rgbpose_joint.py')
PAPER = os.path.join(REPO, 'configs', 'rgbpose_joint.py')


def samples(labels, dim=50, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i, lab in enumerate(labels):
        ds = ActionDataSample().set_gt_label(lab)
        ds.set_field(rng.standard_normal(dim).astype(np.float32), 'label_embedding')
        ds.set_metainfo(dict(frame_dir=f'clip{i}'))
        out.append(ds)
    return out


def head(**kw):
    cfg = dict(type='RGBPoseSemanticHead', num_classes=3, in_channels=[16, 8], embedding_dim=50,
               dropout=0.0, average_clips='prob')
    h = MODELS.build(dict(cfg, **kw))
    h.init_weights()
    return h


def feats(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, 16, 2, 3, 3, generator=g), torch.randn(n, 8, 8, 3, 3, generator=g))


# ---------------------------------------------------------------------------------------------- model
@pytest.mark.parametrize('config,channels,frames,size', [(PAPER, 22, 1, 32), (DEMO, 22, 4, 64), (DEMO, 21, 4, 64)],
                         ids=['paper-joint', 'demo-joint', 'demo-limb'])
def test_two_stream_shapes_with_our_channel_counts(config, channels, frames, size):
    cfg = Config.fromfile(config)
    cfg.model.backbone.pose_pathway.in_channels = channels
    model = MODELS.build(cfg.model)
    rgb_c, pose_c = cfg.model.cls_head.in_channels
    # RGB : heatmap resolution 4 : 1 and pose frames = 4 x RGB frames, as in the configs (small here: fast)
    imgs = torch.rand(2, 1, 3, frames, size, size) * 255
    heat = torch.rand(2, 1, channels, 4 * frames, size // 4, size // 4)
    with torch.no_grad():
        (x_rgb, x_pose), _ = model.extract_feat(dict(imgs=imgs, heatmap_imgs=heat))
    assert x_rgb.shape == (2, rgb_c, frames, size // 32, size // 32)
    assert x_pose.shape == (2, pose_c, 4 * frames, size // 32, size // 32)
    scores = model.cls_head((x_rgb, x_pose))
    assert scores['rgb'].shape == scores['pose'].shape == (2, cfg.model.cls_head.num_classes)


def test_paper_model_is_mmaction2_rgbposeconv3d_with_a_22_channel_pose_input():
    # oracle: mmaction2's own NTU-60 RGBPoseConv3D (17 COCO joints); only the pose conv1 input width differs
    upstream_cfg = os.path.join(os.path.dirname(mmaction.__file__), '.mim', 'configs', 'skeleton', 'posec3d',
                                'rgbpose_conv3d', 'rgbpose_conv3d.py')
    if not os.path.isfile(upstream_cfg):
        pytest.skip('mmaction2 configs not installed with the package')
    ours = MODELS.build(Config.fromfile(PAPER).model.backbone)
    upstream = MODELS.build(Config.fromfile(upstream_cfg).model.backbone)
    n = {k: sum(p.numel() for p in m.parameters()) for k, m in (('ours', ours), ('up', upstream))}
    assert n['ours'] - n['up'] == (22 - 17) * 32 * 1 * 7 * 7  # pose conv1: 32 filters of 1x7x7
    assert [k for k, _ in ours.state_dict().items()] == [k for k, _ in upstream.state_dict().items()]


def test_ntu_checkpoint_loads_except_the_layers_that_differ(tmp_path):
    # a checkpoint of the same architecture for 17 joints / 60 classes (what mmaction2's zoo provides)
    cfg = Config.fromfile(DEMO)
    cfg.model.backbone.pose_pathway.in_channels = 17
    cfg.model.cls_head.num_classes = 60
    ntu = MODELS.build(cfg.model)
    ntu.init_weights()
    torch.save(dict(state_dict=ntu.state_dict()), tmp_path / 'ntu.pth')
    ours = MODELS.build(Config.fromfile(DEMO).model)
    ours.init_weights()
    before = {k: v.clone() for k, v in ours.state_dict().items()}
    load_checkpoint(ours, str(tmp_path / 'ntu.pth'), strict=False, map_location='cpu')
    after, src = ours.state_dict(), ntu.state_dict()
    differ = {'backbone.pose_path.conv1.conv.weight', 'cls_head.fc_rgb.weight', 'cls_head.fc_rgb.bias',
              'cls_head.fc_pose.weight', 'cls_head.fc_pose.bias'}
    for k in after:
        if k in differ:
            assert torch.equal(after[k], before[k]), k  # kept (shape differs)
        elif k.startswith('cls_head.emb_'):
            continue
        elif after[k].is_floating_point():
            assert torch.equal(after[k], src[k]), k     # copied
    assert not torch.equal(after['backbone.rgb_path.layer4.0.conv1.conv.weight'],
                           before['backbone.rgb_path.layer4.0.conv1.conv.weight'])


# ------------------------------------------------------------------------------------------------ head
def test_four_losses_equal_the_hand_computed_ones():
    h = head(loss_emb_weight=dict(rgb=20.0, pose=5.0), loss_weights=[1.0, 0.5])
    x = feats()
    ds = samples([0, 1, 2, 1])
    losses = h.loss(x, ds)
    assert {'rgb_loss_cls', 'pose_loss_cls', 'rgb_loss_emb', 'pose_loss_emb'} <= set(losses)
    assert all(torch.isfinite(v).all() for v in losses.values())
    pooled = {'rgb': x[0].mean((2, 3, 4)), 'pose': x[1].mean((2, 3, 4))}
    labels = torch.tensor([0, 1, 2, 1])
    target = torch.stack([torch.as_tensor(d.label_embedding) for d in ds])
    ce = {p: F.cross_entropy(getattr(h, f'fc_{p}')(pooled[p]), labels) for p in pooled}
    mse = {p: F.mse_loss(getattr(h, f'emb_{p}')(pooled[p]), target) for p in pooled}
    torch.testing.assert_close(losses['rgb_loss_cls'], ce['rgb'])
    torch.testing.assert_close(losses['pose_loss_cls'], 0.5 * ce['pose'])
    torch.testing.assert_close(losses['rgb_loss_emb'], 20.0 * mse['rgb'])
    torch.testing.assert_close(losses['pose_loss_emb'], 5.0 * mse['pose'])
    # every loss reaches its own layers
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    for layer in (h.fc_rgb, h.fc_pose, h.emb_rgb, h.emb_pose):
        assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0


def test_alpha_zero_switches_one_pathways_semantic_loss_off():
    losses = head(loss_emb_weight=(0, 3.0)).loss(feats(), samples([0, 1, 2, 0]))
    assert 'rgb_loss_emb' not in losses and 'pose_loss_emb' in losses
    with pytest.raises(ValueError, match='both pathways'):
        head(loss_emb_weight=dict(rgb=1.0))
    with pytest.raises(KeyError, match='label_embedding'):
        head().loss(feats(n=1), [ActionDataSample().set_gt_label(0)])


@pytest.mark.parametrize('output', ['fused', 'rgb', 'pose'])
def test_test_score_is_the_weighted_mean_of_the_pathways(output):
    h = head(fusion_weights=(2.0, 1.0), test_output=output).eval()
    x = feats(n=6)  # 2 samples x 3 clips
    out = h.predict(x, samples([0, 1]))
    logits = h((x[0], x[1]))
    prob = {p: logits[p].softmax(-1).view(2, 3, -1).mean(1) for p in logits}
    expect = {'fused': (2 * prob['rgb'] + prob['pose']) / 3, 'rgb': prob['rgb'], 'pose': prob['pose']}[output]
    got = torch.stack([d.pred_score for d in out])
    torch.testing.assert_close(got, expect)
    torch.testing.assert_close(got.sum(1), torch.ones(2))
    torch.testing.assert_close(torch.stack([d.rgb_score for d in out]), prob['rgb'])
    torch.testing.assert_close(torch.stack([d.pose_score for d in out]), prob['pose'])


# --------------------------------------------------------------------------------------------- configs
@pytest.mark.parametrize('path', RGB_CONFIGS, ids=lambda p: os.path.relpath(p, os.path.join(REPO, 'configs')))
def test_rgb_configs_match_the_layout_and_build(path):
    cfg = Config.fromfile(path)
    layout = get_layout(cfg.train_dataloader.dataset.layout)
    limbs = None
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.type == 'RGBPoseDataset'
        for t in cfg[key].dataset.pipeline:
            if 'left_kp' in t:
                assert list(t['left_kp']) == list(layout.left) and list(t['right_kp']) == list(layout.right)
            if t['type'] == 'FastGeneratePoseTarget':
                limbs = bool(t.get('with_limb'))
                if limbs:
                    assert [list(x) for x in t['skeletons']] == [list(x) for x in layout.limbs]
                    left, right = layout.limb_flip()
                    assert list(t['left_limb']) == list(left) and list(t['right_limb']) == list(right)
            if t['type'] == 'PackActionInputs':
                assert 'label_embedding' in t['algorithm_keys'] and 'frame_dir' in t['meta_keys']
                two_stream = cfg.model.type == 'MMRecognizer3D'
                assert t.get('collect_keys') == (('imgs', 'heatmap_imgs') if two_stream else None), key
    model = MODELS.build(cfg.model)
    if cfg.model.type == 'MMRecognizer3D':
        assert limbs is not None
        pose = cfg.model.backbone.pose_pathway.in_channels
        assert pose == (layout.num_limbs if limbs else layout.num_joints)
        assert isinstance(model.cls_head, RGBPoseSemanticHead)
    else:
        assert limbs is None and cfg.model.backbone.in_channels == 3
