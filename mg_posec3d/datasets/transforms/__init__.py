"""Data transforms (registered into mmaction2)."""
from .heatmap import FastGeneratePoseTarget, PackPoseForHeatmap  # noqa: F401
