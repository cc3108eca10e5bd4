"""The Jensen-Shannon visual-text contrastive loss against hand computations and an independent numpy version,
and as the ``loss_emb`` option of the PoseC3D head (CE + JS, JS alone) next to the unchanged MSE default."""
import math

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from mg_posec3d.models import SemanticEmbeddingHead
from mg_posec3d.models.losses import JSContrastiveLoss, js_divergence, label_equality_targets
from tests.conftest import SAMPLE_EMB


def _np_js(p, q):
    """JS divergence written out independently: 0.5 KL(p||m) + 0.5 KL(q||m), 0 log 0 = 0, natural log."""
    m = (p + q) / 2
    with np.errstate(divide='ignore', invalid='ignore'):
        kl_p = np.where(p > 0, p * np.log(p / m), 0.0).sum(-1)
        kl_q = np.where(q > 0, q * np.log(q / m), 0.0).sum(-1)
    return 0.5 * kl_p + 0.5 * kl_q


def test_js_divergence_properties_by_hand():
    p = torch.tensor([[1.0, 0.0], [0.5, 0.5], [0.2, 0.8]])
    q = torch.tensor([[0.0, 1.0], [0.5, 0.5], [0.6, 0.4]])
    js = js_divergence(p, q)
    assert js[0].item() == pytest.approx(math.log(2), abs=1e-7)  # disjoint supports: the bound log 2
    assert js[1].item() == 0  # identical distributions
    # hand computation of row 3: m = (0.4, 0.6)
    hand = 0.5 * (0.2 * math.log(0.2 / 0.4) + 0.8 * math.log(0.8 / 0.6)) + \
        0.5 * (0.6 * math.log(0.6 / 0.4) + 0.4 * math.log(0.4 / 0.6))
    assert js[2].item() == pytest.approx(hand, rel=1e-6)
    torch.testing.assert_close(js_divergence(q, p), js)  # symmetric


def test_js_divergence_matches_numpy_and_is_bounded_on_random_rows():
    rng = np.random.default_rng(0)
    p = rng.random((64, 7)) * (rng.random((64, 7)) > 0.4)  # with zeros
    p[p.sum(1) == 0, 0] = 1
    p /= p.sum(1, keepdims=True)
    q = rng.dirichlet(np.ones(7), 64)
    js = js_divergence(torch.tensor(p), torch.tensor(q)).numpy()
    np.testing.assert_allclose(js, _np_js(p, q), rtol=1e-10, atol=1e-12)
    assert js.min() >= 0 and js.max() <= math.log(2)


def test_targets_spread_over_samples_that_share_a_label():
    t = label_equality_targets(torch.tensor([0, 1, 0, 2, 0]))
    third = 1 / 3
    expected = [[third, 0, third, 0, third], [0, 1, 0, 0, 0], [third, 0, third, 0, third], [0, 0, 0, 1, 0],
                [third, 0, third, 0, third]]
    torch.testing.assert_close(t, torch.tensor(expected))
    # CLIP's identity target would ask sample 0 to tell apart the identical class texts of samples 0, 2, 4
    assert not torch.equal(t, torch.eye(5))


def _np_loss(module, feat, labels):
    """The loss from the module's weights, recomputed in numpy."""
    w = {k: v.detach().double().numpy() for k, v in module.state_dict().items()}

    def mlp(x, prefix):
        h = np.maximum(x @ w[f'{prefix}.0.weight'].T + w[f'{prefix}.0.bias'], 0)
        return h @ w[f'{prefix}.2.weight'].T + w[f'{prefix}.2.bias']

    v = mlp(feat, 'visual_proj')
    t = mlp(w['class_texts'], 'text_proj')
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    logits = min(np.exp(w['log_scale']), 100) * v @ t.T
    batch = logits[:, labels]
    target = (labels[:, None] == labels[None, :]).astype(float)
    target /= target.sum(1, keepdims=True)

    def softmax(x):
        e = np.exp(x - x.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    return 0.5 * (_np_js(target, softmax(batch)).mean() + _np_js(target.T, softmax(batch.T)).mean()), logits


def test_loss_equals_an_independent_numpy_computation_on_a_small_batch():
    torch.manual_seed(0)
    loss = JSContrastiveLoss(in_channels=6, class_embeddings=SAMPLE_EMB, num_classes=3, proj_channels=4,
                             hidden_channels=5).double()
    feat = torch.randn(5, 6, dtype=torch.float64)
    labels = torch.tensor([2, 0, 2, 1, 2])
    expected, logits = _np_loss(loss, feat.numpy(), labels.numpy())
    assert loss(feat, labels).item() == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(loss.class_logits(feat).detach().numpy(), logits, rtol=1e-10)
    assert 0 <= expected <= math.log(2)


def test_perfect_alignment_gives_zero_loss_even_with_shared_labels():
    # one-hot features, identity projections: every sample is exactly its class text (cosine 1, others 0);
    # with a huge scale the softmax equals the label-equality target, so JS -> 0 (the identity target would not)
    loss = JSContrastiveLoss(in_channels=3, class_embeddings=np.eye(3, dtype=np.float32), proj_channels=3,
                             hidden_channels=3, init_scale=100.0, learn_scale=False)
    with torch.no_grad():
        for mlp in (loss.visual_proj, loss.text_proj):
            mlp[0].weight.copy_(torch.eye(3))
            mlp[0].bias.zero_()
            mlp[2].weight.copy_(torch.eye(3))
            mlp[2].bias.zero_()
    labels = torch.tensor([0, 1, 0, 2])
    assert loss(torch.eye(3)[labels], labels).item() < 1e-12
    assert loss(torch.eye(3)[labels[[1, 0, 3, 2]]], labels).item() > 0.5  # wrong classes: near log 2


def _samples(labels, emb_dim=50):
    out = []
    for lab in labels:
        ds = ActionDataSample().set_gt_label(lab)
        ds.set_field(np.zeros(emb_dim, np.float32), 'label_embedding')
        out.append(ds)
    return out


def test_head_option_ce_plus_js_and_js_alone():
    torch.manual_seed(0)
    js_cfg = dict(type='JSContrastiveLoss', class_embeddings=SAMPLE_EMB)
    head = SemanticEmbeddingHead(num_classes=3, in_channels=8, embedding_dim=50, loss_emb_weight=1.0,
                                 loss_emb=js_cfg, dropout_ratio=0.0)
    assert head.emb_fc is None  # no unused MSE branch
    feats = torch.randn(4, 8, 1, 2, 2)
    labels = [0, 2, 2, 1]
    losses = head.loss(feats, _samples(labels))
    feat = feats.mean(dim=(2, 3, 4))
    assert losses['loss_emb'].item() == pytest.approx(head.loss_emb(feat, torch.tensor(labels)).item(), rel=1e-6)
    ce = torch.nn.functional.cross_entropy(head.fc_cls(feat), torch.tensor(labels))
    assert losses['loss_cls'].item() == pytest.approx(ce.item(), rel=1e-6)

    only = SemanticEmbeddingHead(num_classes=3, in_channels=8, embedding_dim=50, loss_emb_weight=1.0,
                                 loss_emb=js_cfg, predict_with_text=True, dropout_ratio=0.0,
                                 loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.0), average_clips='prob')
    only.eval()
    assert only.loss(feats, _samples(labels))['loss_cls'].item() == 0
    pred = only.predict(feats, _samples(labels))
    expected = only.loss_emb.class_logits(feat).softmax(1)  # nearest class text
    torch.testing.assert_close(torch.stack([p.pred_score for p in pred]), expected)


def test_mse_stays_the_default_and_text_prediction_needs_class_texts():
    head = SemanticEmbeddingHead(num_classes=3, in_channels=8, embedding_dim=50)
    assert head.loss_emb is None and head.emb_fc.out_features == 50 and not head.predict_with_text
    with pytest.raises(ValueError, match='class texts'):
        SemanticEmbeddingHead(num_classes=3, in_channels=8, embedding_dim=50, predict_with_text=True)
    with pytest.raises(ValueError, match='rows but the model has 4 classes'):
        JSContrastiveLoss(in_channels=8, class_embeddings=SAMPLE_EMB, num_classes=4)
