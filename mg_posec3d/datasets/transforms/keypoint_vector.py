"""``KeypointVector``: the keypoint input of the image + keypoint fusion model, one vector per frame."""
from __future__ import annotations

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class KeypointVector(BaseTransform):
    """``keypoint`` [M, T, V, 2] + ``keypoint_score`` [M, T, V] of the sampled frames -> ``keypoint_vector``
    [T, V * 3]: each joint's (x / width, y / height, score) for the first person, like the normalised
    (coordinate, score) triples of MoveNet that the original system concatenated with its image features.
    Put it after the geometric transforms (Resize, crops, which move the keypoints with the image) so the
    vector describes the image the CNN sees. A frame without a person gives zeros.

    Args:
        num_joints: V, checked (the head's ``keypoint_channels`` must be 3 * V).
    """

    def __init__(self, num_joints: int = 22) -> None:
        self.num_joints = num_joints

    def transform(self, results: dict) -> dict:
        kp = np.asarray(results['keypoint'], np.float32)
        clip = results.get('frame_dir')
        if kp.ndim != 4 or kp.shape[2] != self.num_joints:
            raise ValueError(f'clip {clip!r}: field keypoint has shape {kp.shape}, expected '
                             f'[M, T, {self.num_joints}, 2]')
        score = results.get('keypoint_score')
        score = np.ones(kp.shape[:3], np.float32) if score is None else np.asarray(score, np.float32)
        h, w = results['img_shape']
        vec = np.zeros((kp.shape[1], self.num_joints, 3), np.float32)
        if kp.shape[0]:
            vec[..., 0] = kp[0, ..., 0] / w
            vec[..., 1] = kp[0, ..., 1] / h
            vec[..., 2] = score[0]
        vec[vec[..., 2] <= 0] = 0  # a missing joint carries no position
        results['keypoint_vector'] = np.nan_to_num(vec).reshape(kp.shape[1], -1)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_joints={self.num_joints})'
