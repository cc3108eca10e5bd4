"""The model layouts: the published HFUT 2023 lists, and miga22's limbs and flip pairs by joint name."""
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


def test_limb_flip_pairs_join_mirrored_joints():
    left, right = L.MIGA22.limb_flip()
    assert len(left) == 10  # all limbs but nose-neck have a mirror
    mirror = dict(zip(L.MIGA22.left, L.MIGA22.right))
    for a, b in zip(left, right):
        la, lb = L.MIGA22.limbs[a], L.MIGA22.limbs[b]
        assert {mirror.get(j, j) for j in la} == set(lb)
    assert L.MIGA22_HFUT2023.limb_flip() == (tuple(range(1, 20, 2)), tuple(range(2, 21, 2)))


def test_kinect25_is_the_ntu_graph_of_mmaction2_but_thumbs_on_the_wrist():
    """Oracle: mmaction2's own NTU RGB+D graph (Kinect v2 JointType order). The Kinect SDK's BodyBasics sample
    draws the thumbs from the wrists; mmaction2's graph hangs them off the hands: that is the only difference."""
    from mmaction.models.utils.graph import Graph

    ntu = {frozenset(e) for e in Graph('nturgb+d').inward}
    ours = {frozenset(e) for e in L.KINECT25.limbs}
    k = L.KINECT25.index
    assert ours - ntu == {frozenset((k('WristLeft'), k('ThumbLeft'))), frozenset((k('WristRight'), k('ThumbRight')))}
    assert ntu - ours == {frozenset((k('HandLeft'), k('ThumbLeft'))), frozenset((k('HandRight'), k('ThumbRight')))}
    assert L.KINECT25.joints[:4] == ('SpineBase', 'SpineMid', 'Neck', 'Head') and L.KINECT25.num_limbs == 24


def test_kinect25_flip_pairs_swap_left_and_right_names():
    lay = L.KINECT25
    assert len(lay.left) == 10 and set(lay.left) | set(lay.right) == {j for j, n in enumerate(lay.joints)
                                                                      if 'Left' in n or 'Right' in n}
    for a, b in zip(lay.left, lay.right):
        assert lay.joints[a].replace('Left', 'Right') == lay.joints[b]
    left, right = lay.limb_flip()   # pairs of limb channels swapped by a flip (which of a pair is "left" is moot)
    mirror = dict(zip(lay.left, lay.right)) | dict(zip(lay.right, lay.left))
    assert len(left) == 10   # every limb of an arm or leg has its mirror; the 4 spine/neck limbs have none
    for a, b in zip(left, right):
        assert {mirror.get(j, j) for j in lay.limbs[a]} == set(lay.limbs[b])
