import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from mg_posec3d.models import SemanticEmbeddingHead


def _samples(labels, embs):
    out = []
    for lab, emb in zip(labels, embs):
        ds = ActionDataSample().set_gt_label(lab)
        ds.set_field(np.asarray(emb, np.float32), 'label_embedding')
        out.append(ds)
    return out


def test_loss_is_ce_plus_alpha_mse_by_hand():
    head = SemanticEmbeddingHead(num_classes=3, in_channels=4, embedding_dim=2, loss_emb_weight=20.0,
                                 dropout_ratio=0.0)
    with torch.no_grad():
        head.fc_cls.weight.copy_(torch.tensor([[1., 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]]))
        head.fc_cls.bias.zero_()
        head.emb_fc.weight.copy_(torch.tensor([[1., 1, 0, 0], [0, 0, 1, -1]]))
        head.emb_fc.bias.copy_(torch.tensor([0.5, 0.]))
    feats = torch.tensor([[1., 2, 0, 1], [0., 0, 3, 0]]).view(2, 4, 1, 1, 1)
    targets = [[1.0, 2.0], [0.0, -1.0]]
    losses = head.loss(feats, _samples([1, 2], targets))

    # by hand: logits [1, 2, 1] and [0, 0, 3]; embeddings [3.5, -1] and [0.5, 3]
    ce = np.mean([-np.log(np.exp(2) / (2 * np.exp(1) + np.exp(2))), -np.log(np.exp(3) / (2 + np.exp(3)))])
    mse = np.mean([(3.5 - 1) ** 2, (-1 - 2) ** 2, (0.5 - 0) ** 2, (3 + 1) ** 2])
    assert losses['loss_cls'].item() == pytest.approx(ce, rel=1e-6)
    assert losses['loss_emb'].item() == pytest.approx(20 * mse, rel=1e-6)


def test_embedding_branch_reads_features_before_dropout():
    head = SemanticEmbeddingHead(num_classes=2, in_channels=8, embedding_dim=3, dropout_ratio=0.9)
    head.train()
    feats = torch.randn(4, 8, 2, 2, 2)
    samples = _samples([0, 1, 0, 1], np.zeros((4, 3)))
    a = head.loss(feats, samples)['loss_emb']
    b = head.loss(feats, samples)['loss_emb']
    assert a.item() == pytest.approx(b.item())  # dropout would make the two draws differ


def test_init_and_missing_target_message():
    head = SemanticEmbeddingHead(num_classes=32, in_channels=512, embedding_dim=300)
    head.init_weights()
    assert head.emb_fc.weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert head.emb_fc.bias.abs().max().item() == 0
    ds = ActionDataSample().set_gt_label(0)
    with pytest.raises(KeyError, match='label_embedding'):
        head.loss(torch.randn(1, 512, 1, 1, 1), [ds])


def test_predict_averages_clip_probabilities():
    head = SemanticEmbeddingHead(num_classes=3, in_channels=4, embedding_dim=2, average_clips='prob')
    head.eval()
    feats = torch.randn(2 * 5, 4, 1, 2, 2)  # 2 samples x 5 clips
    out = head.predict(feats, [ActionDataSample(), ActionDataSample()])
    expected = torch.softmax(head(feats), 1).view(2, 5, 3).mean(1)
    torch.testing.assert_close(torch.stack([o.pred_score for o in out]), expected)
