"""Models (registered into mmaction2)."""
from . import backbones, heads, losses  # noqa: F401
from .heatmap_preprocessor import HeatmapDataPreprocessor  # noqa: F401
from .rgbpose_head import RGBPoseSemanticHead  # noqa: F401
from .semantic_head import SemanticEmbeddingHead  # noqa: F401
