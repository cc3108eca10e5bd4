"""Losses (registered into mmaction2)."""
from .js_contrastive import JSContrastiveLoss, js_divergence, label_equality_targets  # noqa: F401
