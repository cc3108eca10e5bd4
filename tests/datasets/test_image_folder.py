"""Image-level data: the image-folder dataset (real frames of tests/data/videos/basketball written as
root/<class>/<image> by the test; the class of each frame is a fixture label, not its content), the
frames-from-clips sampler and the keypoint vector."""
import os

import cv2
import numpy as np
import pytest

from mg_posec3d.datasets import ImageFolderDataset
from mg_posec3d.datasets.transforms import KeypointVector, LoadImageFile, SampleClipFrames
from mg_posec3d.fileio.video import VideoReadError
from tests.conftest import SAMPLE_EMB
from tests.datasets.rgb_fixtures import BASKETBALL, real_frames

CLASSES = ('1', '2', '10')  # natural order: label 0, 1, 2 (iMiGUE folders are named 1..32)


def write_image_folder(root, per_class: int = 2) -> str:
    """Real basketball frames as root/<class>/<image>.jpg, ``per_class`` per class (fixture labels)."""
    frames = real_frames(BASKETBALL, 0, per_class * len(CLASSES) * 10)[::10]
    for i, name in enumerate(CLASSES):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for k in range(per_class):
            cv2.imwrite(os.path.join(root, name, f'frame_{k}.jpg'), frames[i * per_class + k])
    return str(root)


@pytest.fixture
def image_root(tmp_path):
    return write_image_folder(tmp_path / 'frames')


def test_folders_are_classes_in_natural_order(image_root):
    ds = ImageFolderDataset(image_root, pipeline=[], label_embeddings=SAMPLE_EMB)
    assert ds.metainfo['classes'] == CLASSES and len(ds) == 6
    items = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(it['frame_dir'], it['label']) for it in items] == [
        ('1/frame_0.jpg', 0), ('1/frame_1.jpg', 0), ('2/frame_0.jpg', 1), ('2/frame_1.jpg', 1),
        ('10/frame_0.jpg', 2), ('10/frame_1.jpg', 2)]
    np.testing.assert_array_equal(items[4]['label_embedding'], np.load(SAMPLE_EMB)[2])
    # explicit class order (e.g. a label-names file) wins over folder order
    ds = ImageFolderDataset(image_root, pipeline=[], classes=['10', '1', '2'])
    assert [ds.get_data_info(i)['label'] for i in (0, 2, 4)] == [0, 1, 2]


def test_loading_gives_the_rgb_image(image_root):
    ds = ImageFolderDataset(image_root, pipeline=[dict(type='LoadImageFile')])
    out = ds[0]
    bgr = cv2.imread(os.path.join(image_root, '1', 'frame_0.jpg'))
    np.testing.assert_array_equal(out['imgs'][0], bgr[..., ::-1])
    assert out['img_shape'] == (240, 426) and out['label'] == 0


def test_bad_folders_and_images_name_the_file(image_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        ImageFolderDataset(str(tmp_path / 'nowhere'), pipeline=[])
    os.makedirs(tmp_path / 'empty')
    with pytest.raises(ValueError, match='no class sub-folders'):
        ImageFolderDataset(str(tmp_path / 'empty'), pipeline=[])
    with pytest.raises(ValueError, match=r"class folder\(s\) \['3'\] missing"):
        ImageFolderDataset(image_root, pipeline=[], classes=['1', '2', '3'])
    bad = os.path.join(image_root, '2', 'broken.jpg')
    with open(bad, 'w') as f:
        f.write('not an image')
    with pytest.raises(VideoReadError, match=r"sample '2/broken.jpg': image .*broken.jpg is missing or not a "):
        LoadImageFile()(dict(img_path=bad, frame_dir='2/broken.jpg'))


def test_clip_frames_one_per_segment():
    test = SampleClipFrames(num_frames=2, test_mode=True)(dict(total_frames=10))
    assert test['RGB_inds'].tolist() == test['Pose_inds'].tolist() == [2, 7]  # middles of [0, 5) and [5, 10)
    np.random.seed(0)
    for _ in range(20):
        inds = SampleClipFrames(num_frames=3)(dict(total_frames=9))['RGB_inds']
        assert 0 <= inds[0] < 3 <= inds[1] < 6 <= inds[2] < 9
    assert SampleClipFrames(num_frames=4, test_mode=True)(dict(total_frames=2))['RGB_inds'].tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="clip 'c': field total_frames is 0"):
        SampleClipFrames()(dict(total_frames=0, frame_dir='c'))


def test_keypoint_vector_by_hand():
    kp = np.zeros((1, 2, 22, 2), np.float32)
    kp[0, 1, 4] = (100.0, 60.0)
    score = np.zeros((1, 2, 22), np.float32)
    score[0, 1, 4] = 0.9
    score[0, 0, 5] = 0.5  # seen at (0, 0)
    out = KeypointVector(num_joints=22)(dict(keypoint=kp, keypoint_score=score, img_shape=(120, 200)))
    vec = out['keypoint_vector']
    assert vec.shape == (2, 66)
    np.testing.assert_allclose(vec[1, 12:15], [0.5, 0.5, 0.9])  # joint 4: x / W, y / H, score
    np.testing.assert_allclose(vec[0, 15:18], [0, 0, 0.5])
    assert np.count_nonzero(vec) == 4
    with pytest.raises(ValueError, match=r"clip 'x': field keypoint has shape \(1, 2, 17, 2\)"):
        KeypointVector(22)(dict(keypoint=np.zeros((1, 2, 17, 2)), img_shape=(1, 1), frame_dir='x'))
