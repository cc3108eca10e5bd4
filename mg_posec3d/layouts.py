"""Keypoint layouts as data: joint names, flip pairs and limbs of the model layouts, and the source
layouts (pose-estimator outputs, datasets) with their mapping into ``miga22``.

``miga22`` follows the official MiGA baseline order. "Left"/"Right" in its joint names are *image* left
and right: ShoulderLeft is OpenPose's RShoulder (the person's right), and the RightFinger points belong to
the hand at joint 4 (HandLeft). The model never needs to know this, but converters must.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# OpenPose hand points (21): 0 palm base, then thumb 1-4, index 5-8, middle 9-12, ring 13-16, pinky 17-20.
# Which five hand points the MiGA "finger" joints are is not published; we use the fingertips.
FINGER_POINTS: tuple[int, ...] = (4, 8, 12, 16, 20)


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
        mirror = {**dict(zip(self.left, self.right)), **dict(zip(self.right, self.left))}  # no dict | (py3.8)
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

LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (MIGA22, MIGA22_HFUT2023, BODY25)}


def get_layout(layout: str | Layout) -> Layout:
    if isinstance(layout, Layout):
        return layout
    try:
        return LAYOUTS[layout]
    except KeyError:
        raise ValueError(f'unknown layout {layout!r}; known: {sorted(LAYOUTS)}') from None


# ----------------------------------------------------------------------------------------------------
# Source layouts: what a pose estimator or dataset writes, and how each miga22 joint is read from it.
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceLayout:
    """A keypoint set produced by some estimator/dataset and its mapping to ``target``.

    ``to_target[j]`` lists the source indices whose mean gives target joint ``j`` (score: their minimum);
    an empty tuple means the source has no such joint (written with score 0).
    """

    name: str
    joints: tuple[str, ...]
    to_target: tuple[tuple[int, ...], ...]
    target: str = 'miga22'
    note: str = ''
    approximations: dict[str, str] = field(default_factory=dict)

    @property
    def num_joints(self) -> int:
        return len(self.joints)


def _hand_names(prefix: str) -> tuple[str, ...]:
    names = ['PalmBase']
    for finger in ('Thumb', 'Index', 'Middle', 'Ring', 'Pinky'):
        names += [f'{finger}{k}' for k in range(1, 5)]
    return tuple(f'{prefix}{n}' for n in names)


LHAND = _hand_names('LHand')
RHAND = _hand_names('RHand')


def _miga22_from_body25_hands(lhand0: int, rhand0: int) -> tuple[tuple[int, ...], ...]:
    """miga22 from a BODY_25 block at 0 and two OpenPose hands starting at ``lhand0`` / ``rhand0``."""
    body = [(0,), (1,), (2,), (3,), (4,), (5,), (6,), (7,), (15,), (16,), (17,), (18,)]
    right_fingers = [(rhand0 + f,) for f in FINGER_POINTS]   # person's right hand = image-left joint 4
    left_fingers = [(lhand0 + f,) for f in FINGER_POINTS]
    return tuple(body + right_fingers + left_fingers)


# OpenPose JSON order: pose_keypoints_2d (25), hand_left_keypoints_2d (21), hand_right_keypoints_2d (21).
OPENPOSE_BODY25_HANDS = SourceLayout(
    name='openpose_body25_hands',
    joints=BODY25_JOINTS + LHAND + RHAND,
    to_target=_miga22_from_body25_hands(25, 46),
    note='OpenPose BODY_25 followed by the left then right 21-point hands',
)

# MiGA 2023 raw skeleton csv (<id>_light_hand.csv): 25 BODY_25 joints, then 5 right-finger and 5
# left-finger points (already the five finger points of each hand).
MIGA_LIGHT_HAND = SourceLayout(
    name='miga_light_hand',
    joints=BODY25_JOINTS + tuple(f'RightFinger{k}' for k in range(1, 6))
    + tuple(f'LeftFinger{k}' for k in range(1, 6)),
    to_target=tuple([(0,), (1,), (2,), (3,), (4,), (5,), (6,), (7,), (15,), (16,), (17,), (18,)]
                    + [(25 + k,) for k in range(5)] + [(30 + k,) for k in range(5)]),
    note='MiGA 2023 <id>_light_hand.csv columns after the leading index column',
)

# MiGA 2025 <id>_openpose.xlsx: body 25 + face 70 + left hand 21 + right hand 21 (OpenPose JSON order).
OPENPOSE_BODY25_FACE_HANDS = SourceLayout(
    name='openpose_body25_face_hands',
    joints=BODY25_JOINTS + tuple(f'Face{k}' for k in range(70)) + LHAND + RHAND,
    to_target=_miga22_from_body25_hands(95, 116),
    note='OpenPose BODY_25, face 70, left hand 21, right hand 21 (MiGA 2025 xlsx)',
)

# ../shared reach-to-grasp (nsoul97/object_size_prediction): Neck, arms, MidHip, left hand, right hand.
REACH_TO_GRASP50 = SourceLayout(
    name='reach_to_grasp50',
    joints=('Neck', 'RShoulder', 'RElbow', 'RWrist', 'LShoulder', 'LElbow', 'LWrist', 'MidHip')
    + LHAND + RHAND,
    to_target=tuple([(), (0,), (1,), (2,), (3,), (4,), (5,), (6,), (), (), (), ()]
                    + [(29 + f,) for f in FINGER_POINTS] + [(8 + f,) for f in FINGER_POINTS]),
    note='reach-to-grasp upper body + hands; no face points (nose, eyes, ears get score 0)',
)

SOURCE_LAYOUTS: dict[str, SourceLayout] = {
    s.name: s for s in (OPENPOSE_BODY25_HANDS, MIGA_LIGHT_HAND, OPENPOSE_BODY25_FACE_HANDS,
                        REACH_TO_GRASP50)
}


def get_source_layout(source: str | SourceLayout) -> SourceLayout:
    if isinstance(source, SourceLayout):
        return source
    try:
        return SOURCE_LAYOUTS[source]
    except KeyError:
        raise ValueError(f'unknown source layout {source!r}; known: {sorted(SOURCE_LAYOUTS)}') from None


def map_keypoints(keypoint: np.ndarray, score: np.ndarray,
                  source: str | SourceLayout) -> tuple[np.ndarray, np.ndarray]:
    """Map ``keypoint`` [..., V_src, 2] and ``score`` [..., V_src] into the source's target layout.

    Joints the source lacks get coordinates 0 and score 0; averaged joints (e.g. a midpoint) take the
    minimum score of their parts, so a half-seen midpoint is not trusted more than its weakest part.
    """
    src = get_source_layout(source)
    keypoint = np.asarray(keypoint, dtype=np.float32)
    score = np.asarray(score, dtype=np.float32)
    if keypoint.shape[-2:] != (src.num_joints, 2) or score.shape != keypoint.shape[:-1]:
        raise ValueError(f'{src.name}: expected keypoint [..., {src.num_joints}, 2] and score [..., '
                         f'{src.num_joints}], got {keypoint.shape} and {score.shape}')
    out_kp = np.zeros(keypoint.shape[:-2] + (len(src.to_target), 2), np.float32)
    out_sc = np.zeros(score.shape[:-1] + (len(src.to_target),), np.float32)
    for j, parts in enumerate(src.to_target):
        if not parts:
            continue
        idx = list(parts)
        out_kp[..., j, :] = keypoint[..., idx, :].mean(axis=-2)
        out_sc[..., j] = score[..., idx].min(axis=-1)
    return out_kp, out_sc


for _lay in LAYOUTS.values():
    _lay.check()
