"""The regression target of the semantic-embedding loss: each sample's label embedding, as one batch tensor.

Shared by :class:`~mg_posec3d.models.semantic_head.SemanticEmbeddingHead` and
:class:`~mg_posec3d.models.rgbpose_head.RGBPoseSemanticHead`, so both heads take the same targets and fail with
the same messages.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def label_embedding_targets(data_samples, like: Tensor, embedding_dim: int) -> Tensor:
    """``data_sample.label_embedding`` of every sample stacked into [N, D], on ``like``'s device and dtype.

    The embedding travels with each sample (attached by ``MGPoseDataset``, packed by
    ``PackActionInputs(algorithm_keys=('label_embedding',))``); a missing one, or a width other than the
    head's ``embedding_dim``, is an error that says how to fix the config.
    """
    rows = []
    for i, ds in enumerate(data_samples):
        emb = ds.get('label_embedding')
        if emb is None:
            raise KeyError(f'sample {i} of the batch has no label_embedding: give the dataset '
                           'label_embeddings=... and pack it with '
                           "PackActionInputs(algorithm_keys=('label_embedding',))")
        rows.append(torch.as_tensor(np.asarray(emb) if not isinstance(emb, Tensor) else emb))
    target = torch.stack(rows).to(device=like.device, dtype=like.dtype)
    if target.shape[1] != embedding_dim:
        raise ValueError(f'label embeddings have width {target.shape[1]} but the head has '
                         f'embedding_dim={embedding_dim}')
    return target
