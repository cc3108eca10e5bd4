"""Models (registered into mmaction2)."""
from .semantic_head import SemanticEmbeddingHead  # noqa: F401
from .rgbpose_head import PathwayScoreMetric, RGBPoseSemanticHead  # noqa: F401
