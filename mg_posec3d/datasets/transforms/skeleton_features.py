"""``LayoutGenSkeFeat``: mmaction2's joint / bone / motion skeleton features on our layouts."""
from __future__ import annotations

from collections.abc import Sequence

from mmaction.datasets.transforms import GenSkeFeat, JointToBone
from mmaction.registry import TRANSFORMS

from ...skeleton_graph import bone_pairs


@TRANSFORMS.register_module()
class LayoutGenSkeFeat(GenSkeFeat):
    """mmaction2's :class:`GenSkeFeat` (features ``j``, ``b``, ``jm``, ``bm``) with the bones of a layout of
    :mod:`mg_posec3d.layouts`.

    ``GenSkeFeat`` knows bones only for 'nturgb+d', 'openpose' and 'coco'. This runs mmaction2's own
    transforms in their 2D-with-score ('openpose') mode, whose bone is ``joint - parent`` with the mean score
    of the two joints, with ``JointToBone.pairs`` replaced by :func:`mg_posec3d.skeleton_graph.bone_pairs`
    of ``layout``.

    Args:
        layout: Layout name (miga22, miga22_hfut2023, body25).
        feats: Feature streams to concatenate on the last axis, e.g. ``['j']`` or ``['b']``.
        root: The joint whose bone is zero (default: the graph centre, ShoulderCenter for miga22).
        axis: Concatenation axis.
    """

    def __init__(self, layout: str = 'miga22', feats: Sequence[str] = ('j', ), root: int | None = None,
                 axis: int = -1) -> None:
        super().__init__(dataset='openpose', feats=list(feats), axis=axis)
        self.layout = layout
        self.pairs = bone_pairs(layout, root)
        for op in self.ops.transforms:
            if isinstance(op, JointToBone):
                op.pairs = self.pairs

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(layout={self.layout!r}, feats={self.feats}, axis={self.axis})'
