"""RegionCompact: with every joint it is mmaction2's PoseCompact (the oracle); with a region, the box is the
region's, by PoseCompact's rules, and every joint moves with it (hand-checked case)."""
import copy

import numpy as np
import pytest
from mmaction.datasets.transforms import PoseCompact

from mg_posec3d.datasets.transforms import RegionCompact
from mg_posec3d.fileio import safe_load_pickle
from tests.conftest import SAMPLE


@pytest.mark.parametrize('options', [dict(hw_ratio=1., allow_imgpad=True), dict(padding=0.1),
                                     dict(hw_ratio=(0.5, 2.0), allow_imgpad=False), dict(threshold=10 ** 4)])
def test_with_every_joint_it_is_mmaction2_posecompact(options):
    for ann in safe_load_pickle(SAMPLE)['annotations'][:20]:
        ann = dict(ann, keypoint=ann['keypoint'].astype(np.float32))
        ann['keypoint'][0, 3, 5] = 0  # a missing point stays 0
        ours = RegionCompact(joints=range(ann['keypoint'].shape[2]), **options).transform(copy.deepcopy(ann))
        theirs = PoseCompact(**options).transform(copy.deepcopy(ann))
        np.testing.assert_array_equal(ours['keypoint'], theirs['keypoint'])
        assert tuple(ours['img_shape']) == tuple(theirs['img_shape'])
        np.testing.assert_allclose(ours.get('crop_quadruple', (0, 0, 1, 1)),
                                   theirs.get('crop_quadruple', (0, 0, 1, 1)), rtol=1e-12)


def test_box_around_the_region_moves_every_joint():
    kp = np.zeros((1, 2, 3, 2), np.float32)
    kp[0, :, 0] = [[10, 10], [300, 200]]   # far joint (outside the region)
    kp[0, :, 1] = [[100, 50], [120, 60]]   # region: x 100..140, y 50..80
    kp[0, :, 2] = [[140, 80], [0, 0]]      # second frame: missing point
    out = RegionCompact(joints=[1, 2], padding=0.5, hw_ratio=1.).transform(
        dict(keypoint=kp, img_shape=(480, 640)))
    # hand-worked: centre (120, 65), half sizes 20*1.5=30 and 15*1.5=22.5 -> squared to 30: box x 90..150, y 35..95
    assert out['img_shape'] == (60, 60)
    np.testing.assert_allclose(out['keypoint'][0, 0, 1], [10, 15])
    np.testing.assert_allclose(out['keypoint'][0, 1, 0], [210, 165])  # outside: off the heatmap, still moved
    np.testing.assert_array_equal(out['keypoint'][0, 1, 2], [0, 0])   # missing stays missing
    np.testing.assert_allclose(out['crop_quadruple'], (90 / 640, 35 / 480, 60 / 640, 60 / 480))


def test_bad_joint_index_names_the_sample():
    with pytest.raises(ValueError, match=r"joint index 30 out of range .* 3 joints \(sample 'clip7'\)"):
        RegionCompact(joints=[1, 30]).transform(dict(keypoint=np.ones((1, 2, 3, 2), np.float32),
                                                     img_shape=(10, 10), frame_dir='clip7'))
