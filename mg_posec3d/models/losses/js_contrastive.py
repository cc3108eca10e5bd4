"""Visual-text contrastive learning with a Jensen-Shannon loss (a MiGA image-level system's loss), as an
embedding loss of our heads (``loss_emb=dict(type='JSContrastiveLoss', ...)``).

Samples and class texts are projected into a shared space (MLPs, 256-d), every sample of a batch is scored
against the class text of every sample of the batch by scaled cosine similarity, and the JS divergence
between the softmax of those scores and the target distribution is minimised, in both directions (sample ->
texts, text -> samples). Several samples of a batch can share a label, so the target is not CLIP's identity:
row i is uniform over the samples whose label equals sample i's. Prediction: the nearest class text.

Class texts here are the GloVe label vectors (the ``label_embeddings`` of the semantic loss) with a learnable
projection; the original system fine-tuned a text transformer on the class names.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from ...embeddings import load_label_embeddings


def js_divergence(p: Tensor, q: Tensor) -> Tensor:
    """Row-wise Jensen-Shannon divergence (natural log) of distributions ``p``, ``q`` [..., K]: symmetric, 0
    for equal rows, at most log 2. Zero entries are fine (0 log 0 = 0)."""
    m = 0.5 * (p + q)
    kl_pm = (torch.xlogy(p, p) - torch.xlogy(p, m)).sum(-1)
    kl_qm = (torch.xlogy(q, q) - torch.xlogy(q, m)).sum(-1)
    return 0.5 * (kl_pm + kl_qm)


def label_equality_targets(labels: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    """[N, N] target distributions: row i uniform over the samples j with ``labels[j] == labels[i]``."""
    same = (labels.view(-1, 1) == labels.view(1, -1)).to(dtype)
    return same / same.sum(1, keepdim=True)


def _mlp(in_channels: int, hidden: int, out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out))


@MODELS.register_module()
class JSContrastiveLoss(nn.Module):
    """JS-divergence visual-text contrastive loss with its projections and the class-text matrix.

    Args:
        in_channels: Width of the sample feature (set by the head).
        class_embeddings: [C, D] class-text vectors: a ``.npy`` path or a shipped name (``imigue_glove300``).
        num_classes: Checked against the rows of ``class_embeddings`` (set by the head).
        proj_channels: Width of the shared space (256 in the original system).
        hidden_channels: Hidden width of both projection MLPs.
        init_scale: Initial logit scale (CLIP: 1 / 0.07); learnt in log space, capped at 100 as in CLIP.
        learn_scale: Learn the scale (else keep ``init_scale``).
    """

    MAX_SCALE = 100.0

    def __init__(self, in_channels: int, class_embeddings: str | np.ndarray, num_classes: int | None = None,
                 proj_channels: int = 256, hidden_channels: int = 512, init_scale: float = 1 / 0.07,
                 learn_scale: bool = True) -> None:
        super().__init__()
        if isinstance(class_embeddings, (str, bytes)) or hasattr(class_embeddings, '__fspath__'):
            text = load_label_embeddings(class_embeddings, num_classes)
        else:
            text = np.asarray(class_embeddings, np.float32)
            if text.ndim != 2 or (num_classes is not None and text.shape[0] != num_classes):
                raise ValueError(f'class_embeddings must be [num_classes={num_classes}, D], got {text.shape}')
        # a buffer: saved with the checkpoint, so a trained model predicts without the .npy file
        self.register_buffer('class_texts', torch.as_tensor(text, dtype=torch.float32))
        self.visual_proj = _mlp(in_channels, hidden_channels, proj_channels)
        self.text_proj = _mlp(text.shape[1], hidden_channels, proj_channels)
        log_scale = torch.tensor(math.log(init_scale), dtype=torch.float32)
        self.log_scale = nn.Parameter(log_scale) if learn_scale else nn.Parameter(log_scale, requires_grad=False)

    @property
    def scale(self) -> Tensor:
        return self.log_scale.exp().clamp(max=self.MAX_SCALE)

    def class_logits(self, feat: Tensor) -> Tensor:
        """[N, C] scaled cosine similarity of each sample to each class text (argmax = nearest class text)."""
        v = F.normalize(self.visual_proj(feat), dim=-1)
        t = F.normalize(self.text_proj(self.class_texts.to(feat.dtype)), dim=-1)
        return self.scale * v @ t.t()

    def forward(self, feat: Tensor, labels: Tensor) -> Tensor:
        """Mean JS divergence over both directions of the [N, N] sample-vs-batch-text scores."""
        labels = labels.view(-1).long()
        logits = self.class_logits(feat)[:, labels]  # [N, N]: sample i vs the class text of sample j
        target = label_equality_targets(labels, logits.dtype)
        to_texts = js_divergence(target, logits.softmax(dim=1)).mean()
        to_samples = js_divergence(target.t(), logits.t().softmax(dim=1)).mean()
        return 0.5 * (to_texts + to_samples)
