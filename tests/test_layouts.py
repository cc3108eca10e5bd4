import numpy as np
import pytest

from mg_posec3d import layouts as L


def test_hfut2023_lists_are_reproduced_exactly():
    hfut = L.MIGA22_HFUT2023
    assert [list(x) for x in hfut.limbs] == [
        [0, 1], [2, 1], [2, 3], [3, 4], [4, 5], [2, 6], [6, 7], [7, 8], [1, 9], [9, 11], [1, 10], [10, 11],
        [5, 12], [5, 13], [5, 14], [5, 15], [5, 16], [8, 17], [8, 18], [8, 19], [8, 20], [8, 21]]
    assert list(hfut.left) == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    assert list(hfut.right) == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]


def _named(layout, pairs):
    return {(layout.joints[a], layout.joints[b]) for a, b in pairs}


def test_miga22_limbs_connect_anatomical_neighbours():
    limbs = _named(L.MIGA22, L.MIGA22.limbs)
    assert ('ShoulderCenter', 'ShoulderLeft') in limbs and ('ElbowLeft', 'HandLeft') in limbs
    assert ('ShoulderCenter', 'ShoulderRight') in limbs and ('ElbowRight', 'HandRight') in limbs
    # fingers hang off the hand they belong to: RightFinger* at joint 4 (HandLeft = person's right)
    assert all(('HandLeft', f'RightFinger{k}') in limbs for k in range(1, 6))
    assert all(('HandRight', f'LeftFinger{k}') in limbs for k in range(1, 6))
    assert L.MIGA22.num_limbs == 21


def test_miga22_flip_pairs_swap_mirror_names():
    for a, b in zip(L.MIGA22.left, L.MIGA22.right):
        na, nb = L.MIGA22.joints[a], L.MIGA22.joints[b]
        assert na.replace('Left', 'X').replace('Right', 'Y') == nb.replace('Right', 'X').replace('Left', 'Y')


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


def test_limb_flip_pairs_join_mirrored_joints():
    left, right = L.MIGA22.limb_flip()
    assert len(left) == 10  # all limbs but nose-neck have a mirror
    mirror = dict(zip(L.MIGA22.left, L.MIGA22.right))
    for a, b in zip(left, right):
        la, lb = L.MIGA22.limbs[a], L.MIGA22.limbs[b]
        assert {mirror.get(j, j) for j in la} == set(lb)
    assert L.MIGA22_HFUT2023.limb_flip() == (tuple(range(1, 20, 2)), tuple(range(2, 21, 2)))
