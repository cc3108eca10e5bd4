"""``RGBPoseDecode``: the sampled RGB frames of a clip and its skeleton frames, aligned (see
:mod:`mg_posec3d.datasets.rgbpose_dataset` for where ``filename`` and ``rgb_frame_inds`` come from)."""
from __future__ import annotations

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...fileio.video import VideoReadError, read_frames


@TRANSFORMS.register_module()
class RGBPoseDecode(BaseTransform):
    """Decode the sampled RGB frames and skeleton frames of a clip (after ``MMUniformSampleFrames``).

    For each modality in ``results['modality']``: ``'RGB'`` reads frames ``rgb_frame_inds[RGB_inds]`` of
    ``filename`` into ``imgs`` (RGB uint8, also recorded as ``rgb_source_inds``); ``'Pose'`` takes skeleton
    frames ``Pose_inds``. When the frames are not the size the skeleton was estimated at (``img_shape``, e.g.
    videos compressed to a smaller size), the keypoints are rescaled to the frames, as mmaction2's
    ``MMDecode`` does.

    Args:
        backend: ``'auto'`` (decord, then PyAV, then OpenCV), or one of them. Frame folders use OpenCV.
    """

    def __init__(self, backend: str = 'auto') -> None:
        self.backend = backend

    def transform(self, results: dict) -> dict:
        clip = str(results.get('frame_dir'))
        for mod in results['modality']:
            inds = np.asarray(results[f'{mod}_inds']).reshape(-1)
            results[f'{mod}_inds'] = inds
            if mod == 'RGB':
                if 'filename' not in results:
                    raise VideoReadError(f'clip {clip!r} has no RGB source (filename); use RGBPoseDataset')
                mapping = results.get('rgb_frame_inds')
                src = np.asarray(mapping)[inds] if mapping is not None else inds
                results['imgs'] = read_frames(results['filename'], src, self.backend, clip=clip)
                results['rgb_source_inds'] = src
            elif mod == 'Pose':
                kp = results['keypoint']
                score = results.get('keypoint_score')
                if score is None:
                    score = np.ones(kp.shape[:-1], np.float32)
                results['keypoint'] = kp[:, inds].astype(np.float32)
                results['keypoint_score'] = score[:, inds].astype(np.float32)
            else:
                raise ValueError(f'RGBPoseDecode: modality {mod!r} is not supported (RGB, Pose)')

        if 'imgs' in results and 'keypoint' in results:
            h, w = results['imgs'][0].shape[:2]
            oh, ow = results.setdefault('img_shape', (h, w))  # no size given: keypoints are in frame pixels
            if (h, w) != (oh, ow):
                kp = results['keypoint'].astype(np.float32)  # a copy: never scale the dataset's own array
                kp[..., 0] *= w / ow
                kp[..., 1] *= h / oh
                results['keypoint'] = kp
                results['img_shape'] = results['original_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(backend={self.backend!r})'
