"""Keypoint sets of the pose estimators used by ``tools/extract_pose.py`` and their mapping into miga22.

Joint names are the estimators' own names (MediaPipe's ``PoseLandmark``/``HandLandmark`` enums, mmpose's
``coco``/``coco_wholebody`` metainfo), so the tables can be checked against the libraries joint by joint.

miga22 "Left"/"Right" are *image* sides of a person facing the camera: ShoulderLeft is the person's
right shoulder, and RightFinger1-5 are the fingertips (``layouts.FINGER_POINTS``: thumb, index, middle,
ring, pinky) of the hand at joint 4 (HandLeft), i.e. the person's right hand.

Approximations (also listed in each layout's ``approximations``):
- ShoulderCenter is the midpoint of the two shoulders (OpenPose's "Neck" is a learnt point close to it);
  its score is the smaller shoulder score.
- HandLeft/HandRight are the wrists (as in OpenPose BODY_25, where the MiGA "Hand" joints come from).
- MediaPipe Holistic gives no per-point confidence for hand landmarks: a detected hand's points get
  score 1, an undetected hand's points score 0.
"""
from __future__ import annotations

from ..layouts import FINGER_POINTS, SOURCE_LAYOUTS, SourceLayout

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

POSE_SOURCE_LAYOUTS: dict[str, SourceLayout] = {
    s.name: s for s in (MEDIAPIPE_HOLISTIC, COCO17, COCO_WHOLEBODY)
}

# mmpose ``dataset_meta['dataset_name']`` -> our source layout.
MMPOSE_DATASETS: dict[str, SourceLayout] = {'coco': COCO17, 'coco_wholebody': COCO_WHOLEBODY}


def get_source(name: str | SourceLayout) -> SourceLayout:
    """A source layout by name: the pose-estimator layouts here or the dataset layouts of ``layouts``."""
    if isinstance(name, SourceLayout):
        return name
    if name in POSE_SOURCE_LAYOUTS:
        return POSE_SOURCE_LAYOUTS[name]
    if name in SOURCE_LAYOUTS:
        return SOURCE_LAYOUTS[name]
    known = sorted(POSE_SOURCE_LAYOUTS) + sorted(SOURCE_LAYOUTS)
    raise ValueError(f'unknown source layout {name!r}; known: {known}')


def source_for_mmpose(dataset_meta: dict) -> SourceLayout:
    """The source layout of an mmpose model, from its ``dataset_meta`` (name and keypoint count)."""
    name = dataset_meta.get('dataset_name')
    num = dataset_meta.get('num_keypoints')
    src = MMPOSE_DATASETS.get(name)
    if src is None or src.num_joints != num:
        raise ValueError(f'no miga22 mapping for an mmpose model of dataset {name!r} with {num} keypoints; '
                         f'supported: ' + ', '.join(f'{k} ({v.num_joints})' for k, v in MMPOSE_DATASETS.items()))
    return src
