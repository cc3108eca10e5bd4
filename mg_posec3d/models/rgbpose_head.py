"""Two-stream (RGBPoseConv3D) head with the semantic-embedding loss on each pathway.

mmaction2's ``RGBPoseHead`` (one classifier and one cross-entropy per pathway) plus, per pathway, an
``emb_fc`` from the pooled feature (before dropout) to the label word-vector space, trained with
``alpha_p * MSE(emb_fc_p(feat_p), e_label)`` as in
:class:`~mg_posec3d.models.semantic_head.SemanticEmbeddingHead`. Losses:
``rgb_loss_cls``, ``pose_loss_cls``, ``rgb_loss_emb``, ``pose_loss_emb`` (and the per-pathway top-k accuracy).

At test time ``pred_score`` is one tensor (so ``AccMetric`` and ``ScoreDumpMetric`` treat the model like any
other): the weighted mean of the two pathways' clip-averaged scores (``test_output='fused'``), or one
pathway's (``'rgb'`` / ``'pose'``). Both pathways' scores are always attached as ``rgb_score`` and
``pose_score`` for :class:`~mg_posec3d.evaluation.pathway_metric.PathwayScoreMetric`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch.nn.functional as F
from mmaction.models.heads import RGBPoseHead
from mmaction.registry import MODELS
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

from .label_embedding_target import label_embedding_targets

PATHWAYS = ('rgb', 'pose')


def _per_pathway(value, what: str) -> dict[str, float]:
    """A float for both pathways, a {'rgb': a, 'pose': b} dict, or an (rgb, pose) pair."""
    if isinstance(value, (int, float)):
        return {p: float(value) for p in PATHWAYS}
    if isinstance(value, Mapping):
        if set(value) != set(PATHWAYS):
            raise ValueError(f'{what}: give both pathways {PATHWAYS}, got {sorted(value)}')
        return {p: float(value[p]) for p in PATHWAYS}
    if isinstance(value, Sequence) and len(value) == 2:
        return dict(zip(PATHWAYS, map(float, value)))
    raise ValueError(f'{what}: expected a number, a dict with keys {PATHWAYS} or an (rgb, pose) pair, '
                     f'got {value!r}')


@MODELS.register_module()
class RGBPoseSemanticHead(RGBPoseHead):
    """``RGBPoseHead`` + semantic-embedding loss per pathway, and one fused test score.

    Args:
        num_classes: Number of classes.
        in_channels: Feature channels of the (rgb, pose) pathways: (2048, 512) for the R50 RGBPoseConv3D.
        embedding_dim: Width of the label embeddings (300 for the shipped iMiGUE GloVe vectors).
        loss_emb_weight: alpha of each pathway's MSE term: one number, ``dict(rgb=a, pose=b)`` or (a, b).
            0 switches a pathway's semantic loss off.
        fusion_weights: Weights of the (rgb, pose) scores in the fused test score (mmaction2 reports 1:1).
        test_output: Which score becomes ``pred_score``: ``'fused'``, ``'rgb'`` or ``'pose'``.
        **kwargs: Passed to mmaction2's ``RGBPoseHead`` (loss_weights, dropout, average_clips, topk, ...).
    """

    def __init__(self, num_classes: int, in_channels: Sequence[int], embedding_dim: int = 300,
                 loss_emb_weight=20.0, fusion_weights=(1.0, 1.0), test_output: str = 'fused', **kwargs) -> None:
        kwargs.setdefault('loss_components', list(PATHWAYS))
        if list(kwargs['loss_components']) != list(PATHWAYS):
            raise ValueError(f'loss_components must be {list(PATHWAYS)} (both pathways are trained)')
        if isinstance(kwargs.get('loss_weights'), int):
            kwargs['loss_weights'] = float(kwargs['loss_weights'])  # upstream only expands floats
        super().__init__(num_classes, in_channels, **kwargs)
        if test_output not in ('fused',) + PATHWAYS:
            raise ValueError(f"test_output must be 'fused', 'rgb' or 'pose', got {test_output!r}")
        self.embedding_dim = embedding_dim
        self.loss_emb_weight = _per_pathway(loss_emb_weight, 'loss_emb_weight')
        self.fusion_weights = _per_pathway(fusion_weights, 'fusion_weights')
        if min(self.fusion_weights.values()) < 0 or sum(self.fusion_weights.values()) <= 0:
            raise ValueError(f'fusion_weights must be >= 0 and not all 0, got {fusion_weights!r}')
        self.test_output = test_output
        self.emb_rgb = nn.Linear(self.in_channels[0], embedding_dim)
        self.emb_pose = nn.Linear(self.in_channels[1], embedding_dim)

    def init_weights(self) -> None:
        super().init_weights()
        normal_init(self.emb_rgb, std=self.init_std)
        normal_init(self.emb_pose, std=self.init_std)

    def pool(self, feats: Sequence[Tensor]) -> dict[str, Tensor]:
        """Backbone features ``(x_rgb, x_pose)`` -> pooled ``{'rgb': [N, C_rgb], 'pose': [N, C_pose]}``."""
        return {p: self.avg_pool(x).flatten(1) for p, x in zip(PATHWAYS, feats)}

    def classify(self, pooled: dict[str, Tensor]) -> dict[str, Tensor]:
        return {'rgb': self.fc_rgb(self.dropout_rgb(pooled['rgb'])),
                'pose': self.fc_pose(self.dropout_pose(pooled['pose']))}

    def forward(self, x: Sequence[Tensor], **kwargs) -> dict[str, Tensor]:
        return self.classify(self.pool(x))

    def loss(self, feats: Sequence[Tensor], data_samples, **kwargs) -> dict:
        pooled = self.pool(feats)
        losses = self.loss_by_feat(self.classify(pooled), data_samples)
        if any(self.loss_emb_weight.values()):
            # the same per-sample targets (and error messages) as the single-stream head
            target = label_embedding_targets(data_samples, pooled['rgb'], self.embedding_dim)
            for p, fc in (('rgb', self.emb_rgb), ('pose', self.emb_pose)):
                if self.loss_emb_weight[p]:
                    losses[f'{p}_loss_emb'] = self.loss_emb_weight[p] * F.mse_loss(fc(pooled[p]), target)
        return losses

    def predict_by_feat(self, cls_scores: dict[str, Tensor], data_samples):
        scores = {p: self.predict_by_scores(cls_scores[p], data_samples) for p in PATHWAYS}
        w = self.fusion_weights
        fused = (w['rgb'] * scores['rgb'] + w['pose'] * scores['pose']) / (w['rgb'] + w['pose'])
        out = fused if self.test_output == 'fused' else scores[self.test_output]
        for i, ds in enumerate(data_samples):
            ds.set_pred_score(out[i])
            for p in PATHWAYS:
                ds.set_field(scores[p][i], f'{p}_score')
        return data_samples
