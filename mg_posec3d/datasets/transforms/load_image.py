"""``LoadImageFile``: read one image file (``ImageFolderDataset`` samples) as a one-frame clip."""
from __future__ import annotations

import cv2
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...fileio.video import VideoReadError


@TRANSFORMS.register_module()
class LoadImageFile(BaseTransform):
    """``img_path`` -> ``imgs`` = [RGB uint8 H x W x 3] with ``img_shape``/``original_shape``, so mmaction2's
    image transforms (Resize, RandomResizedCrop, Flip, FormatShape('NCHW')) apply as to video frames."""

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise VideoReadError(f'sample {results.get("frame_dir", path)!r}: image {path} is missing or not a '
                                 'readable image')
        results['imgs'] = [cv2.cvtColor(img, cv2.COLOR_BGR2RGB)]
        results['img_shape'] = results['original_shape'] = img.shape[:2]
        results['num_clips'], results['clip_len'] = 1, 1
        return results
