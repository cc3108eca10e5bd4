"""Model layouts: what each heatmap channel (joint) of a model means, its limbs and its flip pairs.

``miga22`` follows the official MiGA baseline order. "Left"/"Right" in its joint names are *image* left
and right: ShoulderLeft is OpenPose's RShoulder (the person's right), and the RightFinger points belong to
the hand at joint 4 (HandLeft). The model never needs to know this, but converters must.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """A model layout: what each heatmap channel (joint) means and how limbs / flips are defined."""

    name: str
    joints: tuple[str, ...]
    limbs: tuple[tuple[int, int], ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    note: str = ''
    # limb channels swapped by the test-time flip (GeneratePoseTarget double=True with_limb=True);
    # empty = derived from the joint flip pairs (see limb_flip)
    left_limb: tuple[int, ...] = ()
    right_limb: tuple[int, ...] = ()

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    @property
    def num_limbs(self) -> int:
        return len(self.limbs)

    def index(self, joint: str) -> int:
        return self.joints.index(joint)

    def limb_flip(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(left_limb, right_limb): limb channels that swap under a horizontal flip. Without explicit lists a
        limb's mirror is the limb joining the mirrored joints (mmaction2's defaults are COCO's, wrong here)."""
        if self.left_limb:
            return self.left_limb, self.right_limb
        mirror = dict(zip(self.left, self.right)) | dict(zip(self.right, self.left))
        index = {frozenset(limb): i for i, limb in enumerate(self.limbs)}
        left, right = [], []
        for i, (a, b) in enumerate(self.limbs):
            j = index.get(frozenset((mirror.get(a, a), mirror.get(b, b))))
            if j is not None and i < j:
                left.append(i)
                right.append(j)
        return tuple(left), tuple(right)

    def check(self) -> None:
        n = self.num_joints
        for a, b in self.limbs:
            if not (0 <= a < n and 0 <= b < n):
                raise ValueError(f'layout {self.name}: limb ({a}, {b}) outside 0..{n - 1}')
        if len(self.left) != len(self.right) or set(self.left) & set(self.right):
            raise ValueError(f'layout {self.name}: left/right flip lists must pair up and not overlap')


MIGA22_JOINTS = (
    'Nose', 'ShoulderCenter', 'ShoulderLeft', 'ElbowLeft', 'HandLeft', 'ShoulderRight', 'ElbowRight',
    'HandRight', 'EyeLeft', 'EyeRight', 'EarLeft', 'EarRight',
    'RightFinger1', 'RightFinger2', 'RightFinger3', 'RightFinger4', 'RightFinger5',
    'LeftFinger1', 'LeftFinger2', 'LeftFinger3', 'LeftFinger4', 'LeftFinger5',
)

MIGA22 = Layout(
    name='miga22',
    joints=MIGA22_JOINTS,
    limbs=(
        (0, 1),                      # nose - shoulder centre
        (1, 2), (2, 3), (3, 4),      # image-left arm
        (1, 5), (5, 6), (6, 7),      # image-right arm
        (0, 8), (0, 9), (8, 10), (9, 11),  # nose - eyes - ears
        (4, 12), (4, 13), (4, 14), (4, 15), (4, 16),   # hand at joint 4 - its fingertips
        (7, 17), (7, 18), (7, 19), (7, 20), (7, 21),   # hand at joint 7 - its fingertips
    ),
    left=(2, 3, 4, 8, 10, 12, 13, 14, 15, 16),
    right=(5, 6, 7, 9, 11, 17, 18, 19, 20, 21),
    note='anatomically correct limbs and flip pairs for the MiGA 22-joint order',
)

# The MiGA 2023 winning team's lists, reproduced exactly. They read like 1-based lists applied to 0-based
# arrays (e.g. limb (4, 5) joins HandLeft to ShoulderRight, flips swap Nose-side indices); kept for exact
# reproduction of their numbers only.
MIGA22_HFUT2023 = Layout(
    name='miga22_hfut2023',
    joints=MIGA22_JOINTS,
    limbs=((0, 1), (2, 1), (2, 3), (3, 4), (4, 5), (2, 6), (6, 7), (7, 8), (1, 9), (9, 11), (1, 10),
           (10, 11), (5, 12), (5, 13), (5, 14), (5, 15), (5, 16), (8, 17), (8, 18), (8, 19), (8, 20),
           (8, 21)),
    left=tuple(range(1, 20, 2)),
    right=tuple(range(2, 21, 2)),
    left_limb=tuple(range(1, 20, 2)),
    right_limb=tuple(range(2, 21, 2)),
    note='exact lists of the MiGA 2023 winning solution (VUT-HFUT), not anatomically correct',
)

BODY25_JOINTS = (
    'Nose', 'Neck', 'RShoulder', 'RElbow', 'RWrist', 'LShoulder', 'LElbow', 'LWrist', 'MidHip', 'RHip',
    'RKnee', 'RAnkle', 'LHip', 'LKnee', 'LAnkle', 'REye', 'LEye', 'REar', 'LEar', 'LBigToe', 'LSmallToe',
    'LHeel', 'RBigToe', 'RSmallToe', 'RHeel',
)

# OpenPose BODY_25 as a model layout (the SMG setting of the paper: 25 whole-body keypoints).
BODY25 = Layout(
    name='body25',
    joints=BODY25_JOINTS,
    limbs=((1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11), (8, 12),
           (12, 13), (13, 14), (1, 0), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19), (19, 20), (14, 21),
           (11, 22), (22, 23), (11, 24)),
    left=(5, 6, 7, 12, 13, 14, 16, 18, 19, 20, 21),
    right=(2, 3, 4, 9, 10, 11, 15, 17, 22, 23, 24),
    note='OpenPose BODY_25 (SMG whole-body setting)',
)

# Kinect v2 body joints in the SDK's JointType order (also NTU RGB+D's order): the SMG skeletons.
KINECT25_JOINTS = (
    'SpineBase', 'SpineMid', 'Neck', 'Head', 'ShoulderLeft', 'ElbowLeft', 'WristLeft', 'HandLeft', 'ShoulderRight',
    'ElbowRight', 'WristRight', 'HandRight', 'HipLeft', 'KneeLeft', 'AnkleLeft', 'FootLeft', 'HipRight', 'KneeRight',
    'AnkleRight', 'FootRight', 'SpineShoulder', 'HandTipLeft', 'ThumbLeft', 'HandTipRight', 'ThumbRight',
)

# Limbs: the 24 bones the Kinect SDK's BodyBasics sample draws (thumbs hang off the wrists there; NTU's graph in
# mmaction2 hangs them off the hands). Left/Right are the person's sides.
KINECT25 = Layout(
    name='kinect25',
    joints=KINECT25_JOINTS,
    limbs=((3, 2), (2, 20), (20, 1), (1, 0), (20, 8), (20, 4), (0, 16), (0, 12),   # torso
           (8, 9), (9, 10), (10, 11), (11, 23), (10, 24),                            # right arm
           (4, 5), (5, 6), (6, 7), (7, 21), (6, 22),                                 # left arm
           (16, 17), (17, 18), (18, 19),                                             # right leg
           (12, 13), (13, 14), (14, 15)),                                            # left leg
    left=(4, 5, 6, 7, 12, 13, 14, 15, 21, 22),
    right=(8, 9, 10, 11, 16, 17, 18, 19, 23, 24),
    note='Kinect v2 25 joints (SMG, NTU RGB+D): the SDK bones, person-side flip pairs',
)

LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (MIGA22, MIGA22_HFUT2023, BODY25, KINECT25)}


def get_layout(layout: str | Layout) -> Layout:
    """A model layout by name (a :class:`Layout` is returned as is); an unknown name lists the known ones."""
    if isinstance(layout, Layout):
        return layout
    try:
        return LAYOUTS[layout]
    except KeyError:
        raise ValueError(f'unknown layout {layout!r}; known: {sorted(LAYOUTS)}') from None


for _lay in LAYOUTS.values():
    _lay.check()
