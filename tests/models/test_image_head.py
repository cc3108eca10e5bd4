"""The image-level models: AlexNetBN's layer structure, and the image head's losses and keypoint fusion by hand."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from torch import nn

from mg_posec3d.models.backbones import AlexNetBN
from mg_posec3d.models.heads import SemanticGCNHead, SemanticImageHead


def test_alexnet_has_five_bn_convs_three_pools_and_two_hidden_fcs():
    with torch.device('meta'):  # the full-size layers without allocating their 57 M parameters
        net = AlexNetBN()
    kinds = [type(m) for m in net.features]
    assert kinds.count(nn.Conv2d) == 5 and kinds.count(nn.BatchNorm2d) == 5 and kinds.count(nn.MaxPool2d) == 3
    convs = [m for m in net.features if isinstance(m, nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == [
        (64, 11, 4), (192, 5, 1), (384, 3, 1), (256, 3, 1), (256, 3, 1)]  # AlexNet's conv layers
    fcs = [m for m in net.fc if isinstance(m, nn.Linear)]
    assert [(f.in_features, f.out_features) for f in fcs] == [(256 * 6 * 6, 4096), (4096, 4096)]  # + head = 3 FC
    small = AlexNetBN(widths=(8, 8, 8, 8, 8), fc_channels=16, pool_size=2)
    small.init_weights()
    assert small(torch.zeros(2, 3, 64, 64)).shape == (2, 16)
    with pytest.raises(ValueError, match='five conv layers'):
        AlexNetBN(widths=(8, 8, 8))


def _samples(labels, vectors=None):
    out = []
    for i, lab in enumerate(labels):
        ds = ActionDataSample().set_gt_label(lab)
        if vectors is not None:
            ds.set_field(np.asarray(vectors[i], np.float32), 'keypoint_vector')
        out.append(ds)
    return out


def test_keypoint_fusion_loss_and_view_averaging_by_hand():
    torch.manual_seed(0)
    head = SemanticImageHead(num_classes=3, in_channels=4, keypoint_channels=2, loss_emb_weight=0.0,
                             dropout_ratio=0.0, average_clips='prob')
    assert head.fc_cls.in_features == 6
    feats = torch.randn(2, 4, 3, 3)  # two single-frame samples, 4-channel maps
    kp = [[[0.5, 1.0]], [[0.25, 0.0]]]
    losses = head.loss(feats, _samples([2, 0], kp))
    x = torch.cat([feats.mean(dim=(2, 3)), torch.tensor([[0.5, 1.0], [0.25, 0.0]])], 1)
    hand = F.cross_entropy(x @ head.fc_cls.weight.t() + head.fc_cls.bias, torch.tensor([2, 0]))
    assert losses['loss_cls'].item() == pytest.approx(hand.item(), rel=1e-6)

    head.eval()  # test time: two frames (views) of one clip, their keypoints in frame order
    views = torch.randn(2, 4, 3, 3)
    out = head.predict(views, _samples([1], [[[0.1, 0.2], [0.3, 0.4]]]))
    x = torch.cat([views.mean(dim=(2, 3)), torch.tensor([[0.1, 0.2], [0.3, 0.4]])], 1)
    expected = head.fc_cls(x).softmax(1).mean(0)
    torch.testing.assert_close(out[0].pred_score, expected)
    with pytest.raises(KeyError, match='KeypointVector'):
        head.loss(feats, _samples([2, 0]))


def test_alexnet_feature_vectors_pass_through_and_mse_by_hand():
    head = SemanticImageHead(num_classes=3, in_channels=4, embedding_dim=2, loss_emb_weight=20.0, dropout_ratio=0.0)
    feats = torch.tensor([[1., 2, 0, 1], [0., 0, 3, 0]])  # [N, C] vectors (AlexNetBN output)
    samples = _samples([1, 2])
    for ds, t in zip(samples, ([1.0, 2.0], [0.0, -1.0])):
        ds.set_field(np.asarray(t, np.float32), 'label_embedding')
    with torch.no_grad():
        head.emb_fc.weight.copy_(torch.tensor([[1., 1, 0, 0], [0, 0, 1, -1]]))
        head.emb_fc.bias.copy_(torch.tensor([0.5, 0.]))
    mse = np.mean([(3.5 - 1) ** 2, (-1 - 2) ** 2, (0.5 - 0) ** 2, (3 + 1) ** 2])  # as in test_semantic_head
    assert head.loss(feats, samples)['loss_emb'].item() == pytest.approx(20 * mse, rel=1e-6)
    gcn = SemanticGCNHead(num_classes=3, in_channels=4, embedding_dim=2, loss_emb_weight=20.0)
    with torch.no_grad():
        gcn.emb_fc.load_state_dict(head.emb_fc.state_dict())
    gcn_feats = feats.view(2, 1, 4, 1, 1).expand(2, 1, 4, 5, 22)  # constant over time and joints
    assert gcn.loss(gcn_feats, samples)['loss_emb'].item() == pytest.approx(20 * mse, rel=1e-6)
