"""ST-GCN on our layouts: the graph and bone adapter against mmaction2's own OpenPose-18 graph and bones, the
bone / joint features against mmaction2's GenSkeFeat on real keypoints, and the semantic GCN head against
mmaction2's GCNHead."""
import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import GenSkeFeat, JointToBone
from mmaction.models.heads import GCNHead
from mmaction.models.utils import Graph
from mmaction.structures import ActionDataSample

from mg_posec3d.datasets.transforms import LayoutGenSkeFeat
from mg_posec3d.fileio import safe_load_pickle
from mg_posec3d.layouts import LAYOUTS, MIGA22, Layout
from mg_posec3d.models.backbones import LayoutSTGCN
from mg_posec3d.models.heads import SemanticGCNHead
from mg_posec3d.skeleton_graph import bone_pairs, graph_center, stgcn_graph
from tests.conftest import SAMPLE

# mmaction2's OpenPose-18 graph written as one of our layouts: only its edges, nothing else copied
OPENPOSE18 = Layout('openpose18', tuple(f'j{i}' for i in range(18)), tuple(Graph('openpose').inward), (), ())


@pytest.mark.parametrize('mode', ['spatial', 'stgcn_spatial'])
def test_graph_of_a_layout_equals_mmaction2s_openpose_graph(mode):
    ours = stgcn_graph(OPENPOSE18)
    assert ours['center'] == Graph('openpose').center == 1  # found as the graph centre, not given
    np.testing.assert_array_equal(Graph(ours, mode).A, Graph('openpose', mode).A)


def test_bones_equal_mmaction2s_openpose_bones():
    assert sorted(bone_pairs(OPENPOSE18, root=0)) == sorted(JointToBone(dataset='openpose').pairs)


def test_miga22_graph_and_bones():
    assert MIGA22.joints[graph_center(MIGA22)] == 'ShoulderCenter'
    limbs = {frozenset(limb) for limb in MIGA22.limbs}
    pairs = bone_pairs(MIGA22)
    assert pairs[1] == (1, 1)  # the root's bone is zero
    assert all(frozenset(p) in limbs for p in pairs if p[0] != p[1])  # every other bone is a limb
    named = {MIGA22.joints[a]: MIGA22.joints[b] for a, b in pairs}
    assert named['RightFinger3'] == 'HandLeft' and named['HandLeft'] == 'ElbowLeft' and named['EarRight'] == 'EyeRight'
    for name, layout in LAYOUTS.items():  # every layout gives a graph mmaction2 accepts
        g = Graph(stgcn_graph(layout), 'stgcn_spatial')
        assert g.A.shape[1:] == (layout.num_joints, layout.num_joints), name


def _real_results(num_joints):
    """A real clip of the bundled sample (first ``num_joints`` joints), as the pipeline sees it."""
    ann = safe_load_pickle(SAMPLE)['annotations'][0]
    return dict(keypoint=ann['keypoint'][..., :num_joints, :].astype(np.float32),
                keypoint_score=ann['keypoint_score'][..., :num_joints].astype(np.float32))


@pytest.mark.parametrize('feats', [['j'], ['b'], ['j', 'b'], ['bm']])
def test_layout_features_equal_mmaction2s_genskefeat(feats):
    ours = LayoutGenSkeFeat(layout=OPENPOSE18, feats=feats, root=0)(_real_results(18))['keypoint']
    theirs = GenSkeFeat(dataset='openpose', feats=feats)(_real_results(18))['keypoint']
    np.testing.assert_array_equal(ours, theirs)


def test_miga22_bone_by_hand():
    res = _real_results(22)
    out = LayoutGenSkeFeat(layout='miga22', feats=['b'])(dict(res))['keypoint']  # [M, T, V, 3]
    kp, sc = res['keypoint'], res['keypoint_score']
    finger, wrist = MIGA22.index('RightFinger1'), MIGA22.index('HandLeft')
    np.testing.assert_allclose(out[..., finger, :2], kp[..., finger, :] - kp[..., wrist, :], rtol=1e-6)
    np.testing.assert_allclose(out[..., finger, 2], (sc[..., finger] + sc[..., wrist]) / 2, rtol=1e-6)
    assert np.all(out[..., MIGA22.index('ShoulderCenter'), :2] == 0)


def test_semantic_gcn_head_without_embedding_loss_is_mmaction2s_gcn_head():
    torch.manual_seed(0)
    ours = SemanticGCNHead(num_classes=5, in_channels=16, embedding_dim=3, loss_emb_weight=0.0, average_clips='prob')
    theirs = GCNHead(num_classes=5, in_channels=16)
    with torch.no_grad():
        theirs.fc.weight.copy_(ours.fc_cls.weight)
        theirs.fc.bias.copy_(ours.fc_cls.bias)
    feats = torch.randn(3, 2, 16, 4, 22)  # N, M, C, T, V
    torch.testing.assert_close(ours(feats), theirs(feats))
    samples = [ActionDataSample().set_gt_label(i) for i in (0, 3, 4)]
    assert set(ours.loss(feats, samples)) == {'loss_cls', 'top1_acc', 'top5_acc'}  # CE only
    for ds in samples:
        ds.set_field(np.ones(3, np.float32), 'label_embedding')
    mse = SemanticGCNHead(num_classes=5, in_channels=16, embedding_dim=3, loss_emb_weight=20.0).loss(feats, samples)
    assert mse['loss_emb'].item() > 0


def test_layout_stgcn_builds_on_every_layout_and_passes_mmaction2_names_through():
    for name, layout in LAYOUTS.items():
        net = LayoutSTGCN(graph_cfg=dict(layout=name, mode='stgcn_spatial'), base_channels=8, num_stages=2,
                          inflate_stages=[], down_stages=[])
        out = net(torch.zeros(2, 1, 6, layout.num_joints, 3))
        assert out.shape == (2, 1, 8, 6, layout.num_joints), name
    coco = LayoutSTGCN(graph_cfg=dict(layout='coco', mode='spatial'), base_channels=8, num_stages=2)
    np.testing.assert_array_equal(coco.graph.A, Graph('coco', 'spatial').A)
    with pytest.raises(ValueError, match='unknown layout'):
        LayoutSTGCN(graph_cfg=dict(layout='miga23'))
