"""``SampleClipFrames``: the frames-from-clips mode of the image-level and TSN models."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class SampleClipFrames(BaseTransform):
    """Pick ``num_frames`` frames of a clip, one per equal segment (TSN sampling): a random frame of each segment
    for training, the middle frame in ``test_mode``. The RGB frames and the skeleton frames get the same
    indices (``RGB_inds`` = ``Pose_inds``), so ``RGBPoseDecode`` then reads each image with the keypoints
    estimated on it.

    Args:
        num_frames: Frames per sample (1: an image classifier on one frame; 8: TSN segments). In test mode
            they are the views whose scores are averaged per clip.
        test_mode: Deterministic middle-of-segment frames.
        modalities: What ``RGBPoseDecode`` reads: ``('RGB', 'Pose')`` (frames + their keypoints) or
            ``('RGB', )``. Training draws from numpy's global generator, which mmengine seeds per worker.
    """

    def __init__(self, num_frames: int = 1, test_mode: bool = False,
                 modalities: Sequence[str] = ('RGB', 'Pose')) -> None:
        if num_frames < 1:
            raise ValueError(f'num_frames must be >= 1, got {num_frames}')
        self.num_frames = num_frames
        self.test_mode = test_mode
        self.modalities = tuple(modalities)

    def frame_indices(self, total: int) -> np.ndarray:
        edges = np.linspace(0, total, self.num_frames + 1)
        if self.test_mode:
            inds = (edges[:-1] + edges[1:]) / 2
        else:
            inds = edges[:-1] + np.random.rand(self.num_frames) * (edges[1:] - edges[:-1])
        return np.clip(np.floor(inds).astype(np.int64), 0, max(total - 1, 0))

    def transform(self, results: dict) -> dict:
        total = int(results['total_frames'])
        if total < 1:
            raise ValueError(f'clip {results.get("frame_dir")!r}: field total_frames is {total}: no frames')
        inds = self.frame_indices(total)
        results['modality'] = list(self.modalities)
        for mod in self.modalities:
            results[f'{mod}_inds'] = inds
        results['clip_len'] = {mod: self.num_frames for mod in self.modalities}
        results['num_clips'] = 1
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_frames={self.num_frames}, test_mode={self.test_mode}, '
                f'modalities={self.modalities})')
