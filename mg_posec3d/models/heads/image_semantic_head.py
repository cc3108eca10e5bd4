"""``SemanticImageHead``: the image-level classifiers' head (single frames), optionally fusing a keypoint
vector of the same frame with the image feature by concatenation before the classifier."""
from __future__ import annotations

import numpy as np
import torch
from mmaction.registry import MODELS
from torch import Tensor

from ..semantic_head import SemanticEmbeddingHead


@MODELS.register_module()
class SemanticImageHead(SemanticEmbeddingHead):
    """Classifier on 2D image features with the embedding-loss options of :class:`SemanticEmbeddingHead`
    (CE, CE + alpha * MSE, CE + alpha * JS, JS alone).

    Features are [N * views, C, H, W] maps (average-pooled, e.g. ResNet-18) or [N * views, C] vectors (e.g.
    ``AlexNetBN``). With ``keypoint_channels`` > 0 each view's ``keypoint_vector`` ([views, K] per sample,
    packed by ``PackActionInputs(algorithm_keys=('keypoint_vector', ...))``, made by ``KeypointVector``) is
    appended to the image feature: classifier and embedding branch see C + K channels. Test views (several
    frames of a clip) are averaged as ``average_clips`` says.

    Args:
        num_classes: Number of classes.
        in_channels: Width of the image feature.
        keypoint_channels: K, the width of the keypoint vector (0: image only).
        **kwargs: As :class:`SemanticEmbeddingHead` (embedding_dim, loss_emb_weight, loss_emb, dropout_ratio...).
    """

    def __init__(self, num_classes: int, in_channels: int, keypoint_channels: int = 0, **kwargs) -> None:
        self.keypoint_channels = keypoint_channels
        self.image_channels = in_channels
        super().__init__(num_classes, in_channels + keypoint_channels, **kwargs)

    def pool(self, x: Tensor) -> Tensor:
        if x.ndim == 4:
            x = x.mean(dim=(2, 3))
        return x.reshape(x.shape[0], -1)

    def fuse(self, feats: Tensor, data_samples) -> Tensor:
        """Pooled image features with each view's keypoint vector appended ([N * views, C + K])."""
        feat = self.pool(feats)
        if not self.keypoint_channels:
            return feat
        rows = []
        for i, ds in enumerate(data_samples):
            vec = ds.get('keypoint_vector')
            if vec is None:
                raise KeyError(f'sample {i} of the batch has no keypoint_vector: add KeypointVector to the '
                               "pipeline and pack it with PackActionInputs(algorithm_keys=('keypoint_vector',))")
            rows.append(torch.as_tensor(np.asarray(vec, np.float32)).reshape(-1, self.keypoint_channels))
        kp = torch.cat(rows).to(device=feat.device, dtype=feat.dtype)
        if kp.shape[0] != feat.shape[0]:
            raise ValueError(f'{kp.shape[0]} keypoint vectors for {feat.shape[0]} image views')
        return torch.cat([feat, kp], dim=1)

    def loss(self, feats: Tensor, data_samples, **kwargs) -> dict:
        return super().loss(self.fuse(feats, data_samples), data_samples)

    def predict(self, feats: Tensor, data_samples, **kwargs):
        return super().predict(self.fuse(feats, data_samples), data_samples)
