"""The miga22 mapping tables of the source layouts, joint by joint: the OpenPose/dataset tables against
hand-written name lists, the pose-estimator tables against the estimators' own joint definitions (MediaPipe's
landmark enums, mmpose's dataset metainfo files)."""
import os

import numpy as np
import pytest

from mg_posec3d import layouts as L
from mg_posec3d.layouts import (
    COCO17,
    COCO_WHOLEBODY,
    FINGER_POINTS,
    MEDIAPIPE_HOLISTIC,
    MIGA22,
    OPENPOSE_BODY25_HANDS,
    get_source_layout,
    map_keypoints,
    source_for_mmpose,
)

# The expected table, written by hand from the miga22 definition: image-left = the person's right
# (ShoulderLeft = right shoulder), HandLeft/Right = wrists, RightFinger1-5 = fingertips (thumb, index, middle,
# ring, pinky) of the hand at joint 4 = the person's right hand; ShoulderCenter = the shoulders' midpoint.
EXPECTED = {
    'Nose': ['nose'], 'ShoulderCenter': ['left_shoulder', 'right_shoulder'],
    'ShoulderLeft': ['right_shoulder'], 'ElbowLeft': ['right_elbow'], 'HandLeft': ['right_wrist'],
    'ShoulderRight': ['left_shoulder'], 'ElbowRight': ['left_elbow'], 'HandRight': ['left_wrist'],
    'EyeLeft': ['right_eye'], 'EyeRight': ['left_eye'], 'EarLeft': ['right_ear'], 'EarRight': ['left_ear'],
}
TIPS = ['thumb_tip', 'index_finger_tip', 'middle_finger_tip', 'ring_finger_tip', 'pinky_tip']  # MediaPipe
WB_TIPS = ['thumb4', 'forefinger4', 'middle_finger4', 'ring_finger4', 'pinky_finger4']  # COCO-WholeBody


def names_of(src, j):
    return sorted(src.joints[i] for i in src.to_target[j])


def test_mediapipe_holistic_table_joint_by_joint():
    mp = pytest.importorskip('mediapipe')
    pose = {lm.name.lower(): lm.value for lm in mp.solutions.pose.PoseLandmark}
    hand = {lm.name.lower(): lm.value for lm in mp.solutions.hands.HandLandmark}
    # our joint names are MediaPipe's own, at MediaPipe's indices (pose 0..32, left hand 33.., right 54..)
    for name, i in pose.items():
        assert MEDIAPIPE_HOLISTIC.joints[i] == name
    for name, i in hand.items():
        assert MEDIAPIPE_HOLISTIC.joints[33 + i] == f'left_hand.{name}'
        assert MEDIAPIPE_HOLISTIC.joints[54 + i] == f'right_hand.{name}'
    assert len(MEDIAPIPE_HOLISTIC.to_target) == MIGA22.num_joints == 22
    for joint, expected in EXPECTED.items():
        assert names_of(MEDIAPIPE_HOLISTIC, MIGA22.index(joint)) == sorted(expected), joint
    for k in range(5):
        assert names_of(MEDIAPIPE_HOLISTIC, MIGA22.index(f'RightFinger{k + 1}')) == [f'right_hand.{TIPS[k]}']
        assert names_of(MEDIAPIPE_HOLISTIC, MIGA22.index(f'LeftFinger{k + 1}')) == [f'left_hand.{TIPS[k]}']
    # fingertips are the layouts.FINGER_POINTS of the hand, as for the OpenPose sources
    assert [hand[t] for t in TIPS] == list(FINGER_POINTS)


def _mmpose_meta(name):
    pytest.importorskip('mmpose')
    import mmpose
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    path = os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'configs', '_base_', 'datasets', name)
    return parse_pose_metainfo(dict(from_file=path))


@pytest.mark.parametrize('src,meta_file', [(COCO17, 'coco.py'), (COCO_WHOLEBODY, 'coco_wholebody.py')])
def test_mmpose_tables_joint_by_joint(src, meta_file):
    meta = _mmpose_meta(meta_file)
    assert meta['num_keypoints'] == src.num_joints
    assert tuple(meta['keypoint_id2name'][i] for i in range(src.num_joints)) == src.joints
    assert source_for_mmpose(meta) is src
    for joint, expected in EXPECTED.items():
        assert names_of(src, MIGA22.index(joint)) == sorted(expected), joint
    for k in range(5):
        right = names_of(src, MIGA22.index(f'RightFinger{k + 1}'))
        left = names_of(src, MIGA22.index(f'LeftFinger{k + 1}'))
        if src is COCO17:   # no hands: the finger joints are absent (score 0)
            assert right == left == []
        else:
            assert right == [f'right_{WB_TIPS[k]}'] and left == [f'left_{WB_TIPS[k]}']


def test_same_mapping_as_the_openpose_layout():
    # BODY_25 names the person's sides (RShoulder = right shoulder): the MediaPipe table must pick the same
    # body parts for every miga22 joint as the project's OpenPose table does
    op_to_mp = {'Nose': 'nose', 'Neck': None, 'RShoulder': 'right_shoulder', 'RElbow': 'right_elbow',
                'RWrist': 'right_wrist', 'LShoulder': 'left_shoulder', 'LElbow': 'left_elbow',
                'LWrist': 'left_wrist', 'REye': 'right_eye', 'LEye': 'left_eye', 'REar': 'right_ear',
                'LEar': 'left_ear'}
    for j in range(12):
        if MIGA22.joints[j] == 'ShoulderCenter':
            continue
        (op,) = [OPENPOSE_BODY25_HANDS.joints[i] for i in OPENPOSE_BODY25_HANDS.to_target[j]]
        assert names_of(MEDIAPIPE_HOLISTIC, j) == [op_to_mp[op]]


def test_shoulder_centre_is_the_midpoint_with_the_weaker_score():
    kp = np.zeros((COCO17.num_joints, 2), np.float32)
    sc = np.zeros(COCO17.num_joints, np.float32)
    kp[5], sc[5] = (100, 50), 0.9   # left shoulder
    kp[6], sc[6] = (60, 54), 0.4    # right shoulder
    out, osc = map_keypoints(kp, sc, COCO17)
    assert out[1].tolist() == [80, 52] and osc[1] == pytest.approx(0.4)
    assert out[2].tolist() == [60, 54] and out[5].tolist() == [100, 50]   # ShoulderLeft = right shoulder


def test_unknown_source_and_model():
    with pytest.raises(ValueError, match='unknown source layout'):
        get_source_layout('nope')
    assert get_source_layout('openpose_body25_hands') is OPENPOSE_BODY25_HANDS
    with pytest.raises(ValueError, match='no miga22 mapping.*halpe'):
        source_for_mmpose({'dataset_name': 'halpe', 'num_keypoints': 136})


@pytest.mark.parametrize('source,expected', [
    ('openpose_body25_hands', {'Nose': 'Nose', 'ShoulderCenter': 'Neck', 'ShoulderLeft': 'RShoulder',
                               'HandLeft': 'RWrist', 'ShoulderRight': 'LShoulder', 'HandRight': 'LWrist',
                               'EyeLeft': 'REye', 'EarRight': 'LEar', 'RightFinger1': 'RHandThumb4',
                               'RightFinger5': 'RHandPinky4', 'LeftFinger2': 'LHandIndex4'}),
    ('reach_to_grasp50', {'Nose': None, 'ShoulderCenter': 'Neck', 'ShoulderLeft': 'RShoulder',
                          'ElbowRight': 'LElbow', 'EyeLeft': None, 'RightFinger3': 'RHandMiddle4',
                          'LeftFinger5': 'LHandPinky4'}),
    ('openpose_body25_face_hands', {'ElbowLeft': 'RElbow', 'RightFinger1': 'RHandThumb4',
                                    'LeftFinger1': 'LHandThumb4'}),
    ('miga_light_hand', {'EarLeft': 'REar', 'RightFinger1': 'RightFinger1', 'LeftFinger5': 'LeftFinger5'}),
])
def test_source_mappings_joint_by_joint(source, expected):
    src = L.get_source_layout(source)
    assert len(src.to_target) == 22
    for target, name in expected.items():
        parts = src.to_target[L.MIGA22.index(target)]
        assert [src.joints[p] for p in parts] == ([] if name is None else [name]), target


def test_map_keypoints_missing_and_midpoint_rules():
    src = L.SourceLayout('toy', ('a', 'b'), ((0, 1), (), (1,)))
    kp = np.array([[[0, 0], [2, 4]]], np.float32)
    sc = np.array([[0.9, 0.4]], np.float32)
    out_kp, out_sc = L.map_keypoints(kp, sc, src)
    np.testing.assert_allclose(out_kp[0], [[1, 2], [0, 0], [2, 4]])
    np.testing.assert_allclose(out_sc[0], [0.4, 0, 0.4])
    with pytest.raises(ValueError, match='toy'):
        L.map_keypoints(np.zeros((3, 2)), np.zeros(2), src)


def test_kinect_v2_is_kinect25_unchanged():
    """SMG's Kinect v2 joints are kept as they are for the kinect25 model layout (the only non-miga22 target)."""
    from mg_posec3d.layouts import KINECT25, KINECT_V2, SOURCE_LAYOUTS, map_keypoints

    assert KINECT_V2.target == 'kinect25' and KINECT_V2.joints == KINECT25.joints
    assert {k for k, v in SOURCE_LAYOUTS.items() if v.target != 'miga22'} == {'kinect_v2'}
    kp = np.random.default_rng(0).uniform(0, 500, (3, 25, 2)).astype(np.float32)   # generated points
    sc = np.random.default_rng(1).uniform(0, 1, (3, 25)).astype(np.float32)
    out_kp, out_sc = map_keypoints(kp, sc, 'kinect_v2')
    np.testing.assert_array_equal(out_kp, kp)
    np.testing.assert_array_equal(out_sc, sc)
