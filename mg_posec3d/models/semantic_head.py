"""I3D-style classification head with the semantic-embedding loss of the MiGA 2023 winning solution.

An extra ``emb_fc`` maps the pooled feature (before dropout) to the word-vector space of the labels and is
trained to regress the ground-truth label's embedding: loss = CE + alpha * MSE(emb_fc(feat), e_label).
The target embedding travels with each sample as ``data_sample.label_embedding`` (attached by
``MGPoseDataset`` and packed by ``PackActionInputs(algorithm_keys=('label_embedding',))``).

``loss_emb=dict(type='JSContrastiveLoss', ...)`` replaces the MSE regression by the visual-text contrastive
JS loss (:mod:`mg_posec3d.models.losses.js_contrastive`): CE + alpha * JS, or JS alone with a zero CE weight
and ``predict_with_text=True`` (scores = similarity to the class texts).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmaction.models.heads import I3DHead
from mmaction.registry import MODELS
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

from .label_embedding_target import label_embedding_targets


@MODELS.register_module()
class SemanticEmbeddingHead(I3DHead):
    """I3DHead plus ``emb_fc = Linear(in_channels, embedding_dim)`` and an MSE loss to label embeddings.

    Args:
        num_classes: Number of classes.
        in_channels: Channels of the backbone feature (512 for the PoseC3D SlowOnly-R50).
        embedding_dim: Width D of the label-embedding matrix (300 for the shipped iMiGUE GloVe vectors).
        loss_emb_weight: alpha in CE + alpha * MSE (20 in the paper). 0 disables the semantic branch's loss.
        loss_emb: None: the MSE regression above (``emb_fc``). A loss config built with ``in_channels`` and
            ``num_classes`` of this head, e.g. ``dict(type='JSContrastiveLoss', class_embeddings=...)``, instead.
        predict_with_text: Class scores from ``loss_emb.class_logits`` (nearest class text) instead of fc_cls.
        **kwargs: Passed to :class:`mmaction.models.I3DHead` (dropout_ratio, init_std, average_clips, ...).
    """

    def __init__(self, num_classes: int, in_channels: int, embedding_dim: int = 300,
                 loss_emb_weight: float = 20.0, loss_emb: dict | None = None, predict_with_text: bool = False,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.embedding_dim = embedding_dim
        self.loss_emb_weight = loss_emb_weight
        self.emb_fc = nn.Linear(in_channels, embedding_dim) if loss_emb is None else None
        self.loss_emb = None if loss_emb is None else MODELS.build(
            dict(loss_emb, in_channels=in_channels, num_classes=num_classes))
        if predict_with_text and not hasattr(self.loss_emb, 'class_logits'):
            raise ValueError('predict_with_text=True needs a loss_emb with class texts (JSContrastiveLoss)')
        self.predict_with_text = predict_with_text

    def init_weights(self) -> None:
        super().init_weights()
        if self.emb_fc is not None:
            normal_init(self.emb_fc, std=self.init_std)

    def pool(self, x: Tensor) -> Tensor:
        """[N, C, T, H, W] backbone feature -> [N, C] pooled feature (shared by both branches)."""
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        return x.view(x.shape[0], -1)

    def classify(self, feat: Tensor) -> Tensor:
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.fc_cls(feat)

    def scores(self, feat: Tensor) -> Tensor:
        return self.loss_emb.class_logits(feat) if self.predict_with_text else self.classify(feat)

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        return self.scores(self.pool(x))

    def loss(self, feats: Tensor, data_samples, **kwargs) -> dict:
        feat = self.pool(feats)
        losses = self.loss_by_feat(self.scores(feat), data_samples)
        if self.loss_emb_weight and self.loss_emb is not None:
            labels = torch.cat([ds.gt_label.view(-1) for ds in data_samples]).to(feat.device)
            losses['loss_emb'] = self.loss_emb_weight * self.loss_emb(feat, labels)
        elif self.loss_emb_weight:
            target = label_embedding_targets(data_samples, feat, self.embedding_dim)
            losses['loss_emb'] = self.loss_emb_weight * F.mse_loss(self.emb_fc(feat), target)
        return losses
