"""Heads (registered into mmaction2)."""
from .gcn_semantic_head import SemanticGCNHead  # noqa: F401
from .image_semantic_head import SemanticImageHead  # noqa: F401
