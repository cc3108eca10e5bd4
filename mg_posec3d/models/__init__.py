"""Models (registered into mmaction2)."""
from .semantic_head import SemanticEmbeddingHead  # noqa: F401
