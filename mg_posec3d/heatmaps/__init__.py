"""Pose heatmap rendering (NumPy or torch), shared by the pipeline transforms and the data preprocessor."""
from .render import heatmap_cfg, output_hw, pack_keypoints, prepare_keypoints, render_batch, render_clip

__all__ = ['heatmap_cfg', 'output_hw', 'pack_keypoints', 'prepare_keypoints', 'render_batch', 'render_clip']
