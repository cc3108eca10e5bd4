"""I3D-style classification head with the semantic-embedding loss of the MiGA 2023 winning solution.

An extra ``emb_fc`` maps the pooled feature (before dropout) to the word-vector space of the labels and is
trained to regress the ground-truth label's embedding: loss = CE + alpha * MSE(emb_fc(feat), e_label).
The target embedding travels with each sample as ``data_sample.label_embedding`` (attached by
``MGPoseDataset`` and packed by ``PackActionInputs(algorithm_keys=('label_embedding',))``).
"""
from __future__ import annotations

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
        **kwargs: Passed to :class:`mmaction.models.I3DHead` (dropout_ratio, init_std, average_clips, ...).
    """

    def __init__(self, num_classes: int, in_channels: int, embedding_dim: int = 300,
                 loss_emb_weight: float = 20.0, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.embedding_dim = embedding_dim
        self.loss_emb_weight = loss_emb_weight
        self.emb_fc = nn.Linear(in_channels, embedding_dim)

    def init_weights(self) -> None:
        super().init_weights()
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

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        return self.classify(self.pool(x))

    def loss(self, feats: Tensor, data_samples, **kwargs) -> dict:
        feat = self.pool(feats)
        losses = self.loss_by_feat(self.classify(feat), data_samples)
        if self.loss_emb_weight:
            target = label_embedding_targets(data_samples, feat, self.embedding_dim)
            losses['loss_emb'] = self.loss_emb_weight * F.mse_loss(self.emb_fc(feat), target)
        return losses
