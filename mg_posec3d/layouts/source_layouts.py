"""Source layouts: the keypoint sets that pose estimators and datasets write, and how each miga22 joint is
read from them. ``SOURCE_LAYOUTS`` is the one registry of them (tools offer exactly its names);
:func:`get_source_layout` the one way to look one up.

Joint names are the producers' own names (OpenPose's BODY_25 and hand points, MediaPipe's
``PoseLandmark``/``HandLandmark`` enums, mmpose's ``coco``/``coco_wholebody`` metainfo), so the tables can be
checked against them joint by joint.

miga22 "Left"/"Right" are *image* sides of a person facing the camera: ShoulderLeft is the person's right
shoulder, and RightFinger1-5 are the fingertips (``FINGER_POINTS``: thumb, index, middle, ring, pinky) of the
hand at joint 4 (HandLeft), i.e. the person's right hand.

Approximations of the sources without OpenPose's points (listed in each layout's ``approximations``):
- ShoulderCenter is the midpoint of the two shoulders (OpenPose's "Neck" is a learnt point close to it);
  its score is the smaller shoulder score.
- HandLeft/HandRight are the wrists (as in OpenPose BODY_25, where the MiGA "Hand" joints come from).
- MediaPipe Holistic gives no per-point confidence for hand landmarks: a detected hand's points get
  score 1, an undetected hand's points score 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model_layouts import BODY25_JOINTS, KINECT25_JOINTS, get_layout

# OpenPose hand points (21): 0 palm base, then thumb 1-4, index 5-8, middle 9-12, ring 13-16, pinky 17-20.
# Which five hand points the MiGA "finger" joints are is not published; we use the fingertips.
FINGER_POINTS: tuple[int, ...] = (4, 8, 12, 16, 20)


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


# ------------------------------------------------------------------------------------ OpenPose and datasets
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

# SMG SampleNNNN_skeleton.csv: Kinect v2 joints projected to 2D (mg_posec3d.converters.smg); kept as they are
# for the kinect25 model layout.
KINECT_V2 = SourceLayout(
    name='kinect_v2',
    joints=KINECT25_JOINTS,
    to_target=tuple((j,) for j in range(len(KINECT25_JOINTS))),
    target='kinect25',
    note='Kinect v2 25 joints (SMG), projected to pixels; identity onto the kinect25 model layout',
)

# ---------------------------------------------------------------------- pose estimators (tools/extract_pose)
# MediaPipe Pose landmark names (mediapipe.solutions.pose.PoseLandmark, lower case), 33 points.
MP_POSE_JOINTS: tuple[str, ...] = (
    'nose', 'left_eye_inner', 'left_eye', 'left_eye_outer', 'right_eye_inner', 'right_eye',
    'right_eye_outer', 'left_ear', 'right_ear', 'mouth_left', 'mouth_right', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_pinky', 'right_pinky',
    'left_index', 'right_index', 'left_thumb', 'right_thumb', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle', 'left_heel', 'right_heel', 'left_foot_index',
    'right_foot_index',
)
# MediaPipe hand landmark names (mediapipe.solutions.hands.HandLandmark, lower case), 21 points, in the
# same order as OpenPose / COCO-WholeBody hands (wrist, thumb 1-4, index 1-4, middle, ring, pinky).
MP_HAND_JOINTS: tuple[str, ...] = (
    'wrist', 'thumb_cmc', 'thumb_mcp', 'thumb_ip', 'thumb_tip', 'index_finger_mcp', 'index_finger_pip',
    'index_finger_dip', 'index_finger_tip', 'middle_finger_mcp', 'middle_finger_pip', 'middle_finger_dip',
    'middle_finger_tip', 'ring_finger_mcp', 'ring_finger_pip', 'ring_finger_dip', 'ring_finger_tip',
    'pinky_mcp', 'pinky_pip', 'pinky_dip', 'pinky_tip',
)

# COCO-17 body keypoints (mmpose configs/_base_/datasets/coco.py).
COCO17_JOINTS: tuple[str, ...] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
    'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle',
)


def _wholebody_hand(side: str) -> tuple[str, ...]:
    names = [f'{side}_hand_root']
    for finger in ('thumb', 'forefinger', 'middle_finger', 'ring_finger', 'pinky_finger'):
        names += [f'{side}_{finger}{k}' for k in range(1, 5)]
    return tuple(names)


# COCO-WholeBody (mmpose configs/_base_/datasets/coco_wholebody.py): body 17, feet 6, face 68, left hand 21,
# right hand 21.
COCO_WHOLEBODY_JOINTS: tuple[str, ...] = (
    COCO17_JOINTS
    + ('left_big_toe', 'left_small_toe', 'left_heel', 'right_big_toe', 'right_small_toe', 'right_heel')
    + tuple(f'face-{k}' for k in range(68))
    + _wholebody_hand('left') + _wholebody_hand('right')
)

_APPROX = {
    'ShoulderCenter': 'midpoint of the two shoulders (score: the smaller shoulder score)',
    'HandLeft': "the person's right wrist",
    'HandRight': "the person's left wrist",
}


def _coco_body(nose: int, l_eye: int, r_eye: int, l_ear: int, r_ear: int, l_sho: int, r_sho: int,
               l_elb: int, r_elb: int, l_wri: int, r_wri: int) -> list[tuple[int, ...]]:
    """miga22 joints 0..11 from named body points (image-left = the person's right)."""
    return [(nose,), (l_sho, r_sho), (r_sho,), (r_elb,), (r_wri,), (l_sho,), (l_elb,), (l_wri,),
            (r_eye,), (l_eye,), (r_ear,), (l_ear,)]


def _fingers(rhand0: int | None, lhand0: int | None) -> list[tuple[int, ...]]:
    right = [(rhand0 + f,) for f in FINGER_POINTS] if rhand0 is not None else [()] * 5
    left = [(lhand0 + f,) for f in FINGER_POINTS] if lhand0 is not None else [()] * 5
    return right + left


_MP = {n: i for i, n in enumerate(MP_POSE_JOINTS)}
# Holistic order used here: pose 33, then the person's left hand 21 (33..53), then the right hand 21 (54..74).
MEDIAPIPE_HOLISTIC = SourceLayout(
    name='mediapipe_holistic75',
    joints=MP_POSE_JOINTS + tuple(f'left_hand.{n}' for n in MP_HAND_JOINTS)
    + tuple(f'right_hand.{n}' for n in MP_HAND_JOINTS),
    to_target=tuple(_coco_body(_MP['nose'], _MP['left_eye'], _MP['right_eye'], _MP['left_ear'],
                               _MP['right_ear'], _MP['left_shoulder'], _MP['right_shoulder'],
                               _MP['left_elbow'], _MP['right_elbow'], _MP['left_wrist'], _MP['right_wrist'])
                    + _fingers(rhand0=54, lhand0=33)),
    note='MediaPipe Holistic: 33 pose landmarks, left-hand 21, right-hand 21 (person sides)',
    approximations=dict(_APPROX, fingers='hand landmark score is 1 if the hand was detected, else 0'),
)

COCO17 = SourceLayout(
    name='coco17',
    joints=COCO17_JOINTS,
    to_target=tuple(_coco_body(*range(11)) + _fingers(None, None)),
    note='COCO 17 body keypoints (e.g. mmpose HRNet/RTMPose coco models): no finger points (score 0)',
    approximations=dict(_APPROX),
)

COCO_WHOLEBODY = SourceLayout(
    name='coco_wholebody133',
    joints=COCO_WHOLEBODY_JOINTS,
    to_target=tuple(_coco_body(*range(11)) + _fingers(rhand0=112, lhand0=91)),
    note='COCO-WholeBody 133 keypoints (e.g. mmpose RTMPose/DWPose wholebody models)',
    approximations=dict(_APPROX),
)

# ------------------------------------------------------------------------------------------------ registry
SOURCE_LAYOUTS: dict[str, SourceLayout] = {
    s.name: s for s in (OPENPOSE_BODY25_HANDS, OPENPOSE_BODY25_FACE_HANDS, MIGA_LIGHT_HAND, REACH_TO_GRASP50,
                        MEDIAPIPE_HOLISTIC, COCO17, COCO_WHOLEBODY, KINECT_V2)
}

# mmpose ``dataset_meta['dataset_name']`` -> our source layout.
MMPOSE_DATASETS: dict[str, SourceLayout] = {'coco': COCO17, 'coco_wholebody': COCO_WHOLEBODY}


def get_source_layout(source: str | SourceLayout) -> SourceLayout:
    """A source layout by name (a :class:`SourceLayout` is returned as is); an unknown name lists the
    known ones."""
    if isinstance(source, SourceLayout):
        return source
    try:
        return SOURCE_LAYOUTS[source]
    except KeyError:
        raise ValueError(f'unknown source layout {source!r}; known: {", ".join(sorted(SOURCE_LAYOUTS))}') from None


def source_for_mmpose(dataset_meta: dict) -> SourceLayout:
    """The source layout of an mmpose model, from its ``dataset_meta`` (name and keypoint count)."""
    name = dataset_meta.get('dataset_name')
    num = dataset_meta.get('num_keypoints')
    src = MMPOSE_DATASETS.get(name)
    if src is None or src.num_joints != num:
        raise ValueError(f'no miga22 mapping for an mmpose model of dataset {name!r} with {num} keypoints; '
                         f'supported: ' + ', '.join(f'{k} ({v.num_joints})' for k, v in MMPOSE_DATASETS.items()))
    return src


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


def _check(src: SourceLayout) -> None:
    """A table that points outside its joints would fail only when data arrives: fail on import instead."""
    target = get_layout(src.target)
    if len(src.to_target) != target.num_joints:
        raise ValueError(f'source layout {src.name}: {len(src.to_target)} rows for the {target.num_joints} '
                         f'joints of {target.name}')
    for j, parts in enumerate(src.to_target):
        if any(not 0 <= p < src.num_joints for p in parts):
            raise ValueError(f'source layout {src.name}: target joint {j} reads {parts}, outside '
                             f'0..{src.num_joints - 1}')


for _src in SOURCE_LAYOUTS.values():
    _check(_src)
