"""Data transforms (registered into mmaction2), one per module."""
from .fast_generate_pose_target import FastGeneratePoseTarget
from .pack_pose_for_heatmap import PackPoseForHeatmap
from .rgbpose_decode import RGBPoseDecode

__all__ = ['FastGeneratePoseTarget', 'PackPoseForHeatmap', 'RGBPoseDecode']
