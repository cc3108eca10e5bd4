"""``SemanticGCNHead``: mmaction2's GCN head with the semantic-embedding loss options of the PoseC3D head."""
from __future__ import annotations

from mmaction.registry import MODELS
from torch import Tensor

from ..semantic_head import SemanticEmbeddingHead


@MODELS.register_module()
class SemanticGCNHead(SemanticEmbeddingHead):
    """Head for ST-GCN features [N, M, C, T, V]: pooled like mmaction2's ``GCNHead`` (mean over T and V, then
    over the M persons), then fc_cls and the embedding loss of :class:`SemanticEmbeddingHead` (CE + alpha *
    MSE to the label's word vector, or ``loss_emb=dict(type='JSContrastiveLoss', ...)``).

    With ``loss_emb_weight=0`` and ``dropout_ratio`` equal to GCNHead's ``dropout`` it computes exactly what
    ``GCNHead`` computes. Args as :class:`SemanticEmbeddingHead` (``dropout_ratio`` defaults to 0 here, as in
    GCNHead).
    """

    def __init__(self, num_classes: int, in_channels: int, dropout_ratio: float = 0.0, **kwargs) -> None:
        super().__init__(num_classes, in_channels, dropout_ratio=dropout_ratio, **kwargs)

    def pool(self, x: Tensor) -> Tensor:
        n, m, c = x.shape[:3]
        return x.reshape(n, m, c, -1).mean(-1).mean(1)
