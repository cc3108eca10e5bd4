"""Data transforms (registered into mmaction2)."""
from .clip_frames import SampleClipFrames  # noqa: F401
from .heatmap import FastGeneratePoseTarget, PackPoseForHeatmap  # noqa: F401
from .keypoint_vector import KeypointVector  # noqa: F401
from .load_image import LoadImageFile  # noqa: F401
from .skeleton_features import LayoutGenSkeFeat  # noqa: F401
