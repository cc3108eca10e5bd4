"""Datasets and data transforms (registered into mmaction2)."""
from . import transforms  # noqa: F401
from .image_folder import ImageFolderDataset  # noqa: F401
from .pose_dataset import MGPoseDataset  # noqa: F401
from .rgbpose_dataset import RGBPoseDataset  # noqa: F401
from .transforms import FastGeneratePoseTarget, PackPoseForHeatmap, RGBPoseDecode  # noqa: F401
