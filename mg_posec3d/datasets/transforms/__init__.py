"""Data transforms (registered into mmaction2), one per module."""
from .clip_frames import SampleClipFrames
from .fast_generate_pose_target import FastGeneratePoseTarget
from .keypoint_vector import KeypointVector
from .load_image import LoadImageFile
from .pack_pose_for_heatmap import PackPoseForHeatmap
from .region_compact import RegionCompact
from .rgbpose_decode import RGBPoseDecode
from .skeleton_features import LayoutGenSkeFeat

__all__ = ['FastGeneratePoseTarget', 'PackPoseForHeatmap', 'RGBPoseDecode', 'SampleClipFrames', 'KeypointVector',
           'LoadImageFile', 'LayoutGenSkeFeat', 'RegionCompact']
