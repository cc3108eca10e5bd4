"""``RegionCompact``: mmaction2's ``PoseCompact`` with the box taken around a chosen set of joints.

PoseCompact crops every clip to the box around all its joints. When the signal is in a small part of the body
(the hands' pre-shaping in the bundled reach-to-grasp sample), a small heatmap (24-32 px, the CPU recipe) of the
whole upper body leaves a hand a few pixels wide. RegionCompact takes the box around ``joints`` only (names or
indices of the dataset's layout; missing points, stored as 0, are ignored as PoseCompact ignores them), pads and
squares it by PoseCompact's rules, and shifts every joint by it: joints outside the box fall outside the heatmap.
With every joint selected it is PoseCompact (tests/datasets/test_region_compact.py).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmaction.datasets.transforms import PoseCompact
from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RegionCompact(PoseCompact):
    """PoseCompact around ``joints`` (indices into the keypoint array's joint axis)."""

    def __init__(self, joints: Sequence[int], padding: float = 0.25, threshold: int = 10,
                 hw_ratio: float | tuple[float, float] | None = None, allow_imgpad: bool = True) -> None:
        super().__init__(padding=padding, threshold=threshold, hw_ratio=hw_ratio, allow_imgpad=allow_imgpad)
        self.joints = [int(j) for j in joints]
        if not self.joints:
            raise ValueError('RegionCompact: joints must name at least one joint')

    def box(self, kp: np.ndarray, h: int, w: int) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) by PoseCompact's rules from the points of ``kp`` (zeros ignored, per coordinate),
        or None when the region is smaller than ``threshold`` (then nothing is cropped)."""
        x, y = kp[..., 0], kp[..., 1]
        if not (x != 0).any() or not (y != 0).any():
            return None
        min_x, max_x, min_y, max_y = x[x != 0].min(), x[x != 0].max(), y[y != 0].min(), y[y != 0].max()
        if max_x - min_x < self.threshold or max_y - min_y < self.threshold:
            return None
        cx, cy = (max_x + min_x) / 2, (max_y + min_y) / 2
        half_w, half_h = (max_x - min_x) / 2 * (1 + self.padding), (max_y - min_y) / 2 * (1 + self.padding)
        if self.hw_ratio is not None:
            half_h = max(self.hw_ratio[0] * half_w, half_h)
            half_w = max(1 / self.hw_ratio[1] * half_h, half_w)
        x0, x1, y0, y1 = cx - half_w, cx + half_w, cy - half_h, cy + half_h
        if not self.allow_imgpad:
            return int(max(0, x0)), int(max(0, y0)), int(min(w, x1)), int(min(h, y1))
        return int(x0), int(y0), int(x1), int(y1)

    def transform(self, results: dict) -> dict:
        kp = results['keypoint']
        if max(self.joints) >= kp.shape[-2]:
            raise ValueError(f'RegionCompact: joint index {max(self.joints)} out of range for keypoints with '
                             f'{kp.shape[-2]} joints (sample {results.get("frame_dir", "?")!r})')
        kp[np.isnan(kp)] = 0.
        h, w = results['img_shape']
        box = self.box(kp[..., self.joints, :], h, w)
        if box is None:
            return results
        x0, y0, x1, y1 = box
        kp[..., 0][kp[..., 0] != 0] -= x0
        kp[..., 1][kp[..., 1] != 0] -= y0
        results['img_shape'] = (y1 - y0, x1 - x0)
        results['crop_quadruple'] = _combine(results.get('crop_quadruple', (0., 0., 1., 1.)),
                                             (x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h))
        return results

    def __repr__(self) -> str:
        return f'{super().__repr__()[:-1]}, joints={self.joints})'


def _combine(outer: tuple, inner: tuple) -> tuple:
    """Crop ``inner`` (x, y, w, h in [0, 1] of the outer crop) of crop ``outer``, as one crop of the image."""
    return (outer[0] + inner[0] * outer[2], outer[1] + inner[1] * outer[3], inner[2] * outer[2], inner[3] * outer[3])
