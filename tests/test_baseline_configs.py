"""Every baseline config (ST-GCN, image-level, TSN) loads and builds, its model takes the input its pipeline
makes, and the ST-GCN graph, bones and flips come from the dataset's layout."""
import glob
import os

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from mg_posec3d.layouts import get_layout
from mg_posec3d.skeleton_graph import stgcn_graph
from tests.conftest import REPO
from tests.test_configs import is_baseline

CONFIGS = sorted(p for p in glob.glob(os.path.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p and is_baseline(p))


def test_every_baseline_has_a_config():
    names = {os.path.relpath(p, os.path.join(REPO, 'configs')) for p in CONFIGS}
    assert {'stgcn/joint.py', 'stgcn/bone.py', 'demo/stgcn_joint.py', 'demo/stgcn_bone.py', 'tsn/r18_rgb.py',
            'image/alexnet.py', 'image/resnet18.py', 'image/resnet18_keypoints.py', 'image/resnet18_js.py',
            'spotting/rtg_demo_stgcn.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: os.path.relpath(p, os.path.join(REPO, 'configs')))
def test_baseline_config_builds(path):
    cfg = Config.fromfile(path)
    with torch.device('meta'):  # shapes only: no memory or init time for the 57 M AlexNet / 11 M ResNet weights
        model = MODELS.build(cfg.model)
    head = cfg.model.cls_head
    ds = cfg.train_dataloader.dataset
    types = [t['type'] for t in ds.pipeline]
    if cfg.model.type == 'RecognizerGCN':
        layout = get_layout(ds.layout)
        assert model.backbone.graph.num_node == layout.num_joints
        assert model.backbone.graph.inward == stgcn_graph(layout)['inward']
        feat = [t for t in ds.pipeline if t['type'] == 'LayoutGenSkeFeat'][0]
        assert feat['layout'] == ds.layout and feat['feats'] == (['b'] if 'bone' in path else ['j'])
        x = torch.zeros(1, 1, 1, 16, layout.num_joints, 3, device='meta')  # N, clips, M, T, V, (x, y, score)
    else:
        assert cfg.model.type == 'Recognizer2D' and types[-2:] == ['FormatShape', 'PackActionInputs']
        if 'Flip' in types and 'KeypointVector' in types:  # keypoints flip with the image: the layout's pairs
            flip = [t for t in ds.pipeline if t['type'] == 'Flip'][0]
            layout = get_layout(ds.layout)
            assert (list(flip['left_kp']), list(flip['right_kp'])) == (list(layout.left), list(layout.right))
        x = torch.zeros(1, 2, 3, 64, 64, device='meta')  # N, frames, C, H, W
    model.eval()
    with torch.no_grad():
        feat = model.extract_feat(x)[0]
        if head.get('keypoint_channels'):
            feat = model.cls_head.fuse(feat, [dict(keypoint_vector=np.zeros((2, head.keypoint_channels), np.float32))])
        scores = model.cls_head(feat, num_segs=2)
    assert scores.shape[-1] == head.num_classes


@pytest.mark.parametrize('name', ['joint.py', 'limb.py', 'joint_js_only.py'])
def test_js_configs_change_only_the_embedding_loss(name):
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'js', name))
    paper = Config.fromfile(os.path.join(REPO, 'configs', 'limb.py' if 'limb' in name else 'joint.py'))
    assert cfg.train_dataloader == paper.train_dataloader and cfg.model.backbone == paper.model.backbone
    head = MODELS.build(cfg.model.cls_head)  # the head only: the backbones are tested in tests/test_configs.py
    assert head.emb_fc is None and head.loss_emb.class_texts.shape == (32, 300) and head.loss_emb_weight == 1
    assert head.predict_with_text == (name == 'joint_js_only.py')
    assert head.loss_cls.loss_weight == (0.0 if name == 'joint_js_only.py' else 1.0)
