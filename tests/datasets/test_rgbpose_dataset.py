"""RGB/skeleton alignment (frame reading itself: tests/fileio/test_video.py).

Oracles: coded videos whose frames show their own index (generated: tests/datasets/rgb_fixtures.py) and
mmaction2's own ``MMDecode``. The skeletons here are generated
fixtures: joint 0's x coordinate is the index of the video frame the skeleton frame belongs to.
"""
from __future__ import annotations

import copy
import os
import pickle

import numpy as np
import pytest
from mmaction.datasets.transforms import MMUniformSampleFrames

from mg_posec3d.datasets.rgbpose_dataset import RGBPoseDataset
from mg_posec3d.datasets.transforms import RGBPoseDecode
from mg_posec3d.datasets.validation import AnnotationError
from mg_posec3d.fileio.video import VideoReadError, available_backends
from tests.datasets.rgb_fixtures import (
    read_code,
    write_coded_frames,
    write_coded_video,
)

BACKENDS = available_backends()


def skeleton(name: str, source_inds, rgb: str | None, label: int = 0, img_shape=(48, 90), **extra) -> dict:
    """Fixture annotation: T = len(source_inds) frames, joint 0 at x = the frame's source index."""
    src = np.asarray(source_inds)
    t = len(src)
    kp = np.zeros((1, t, 22, 2), np.float32)
    kp[0, :, :, 0] = 20 + np.arange(22)
    kp[0, :, :, 1] = 20
    kp[0, :, 0, 0] = src
    ann = dict(frame_dir=name, label=label, total_frames=t, img_shape=img_shape, original_shape=img_shape,
               keypoint=kp, keypoint_score=np.ones((1, t, 22), np.float32), **extra)
    if rgb is not None:
        ann['rgb'] = rgb
    return ann


def write_ann(path, annos) -> str:
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(train=[a['frame_dir'] for a in annos]), annotations=annos), f)
    return str(path)


def dataset(tmp_path, annos, pipeline=(), **kwargs) -> RGBPoseDataset:
    return RGBPoseDataset(write_ann(tmp_path / 'ann.pkl', annos), list(pipeline), rgb_root=str(tmp_path),
                          split='train', num_classes=3, **kwargs)


# ------------------------------------------------------------------------------ alignment through the pipeline
def _sample_and_decode(ds, idx, clip_len, test_mode=True):
    results = ds.get_data_info(idx)
    results = MMUniformSampleFrames(clip_len=clip_len, num_clips=1, test_mode=test_mode).transform(results)
    return RGBPoseDecode().transform(results)


def test_rgb_frames_are_the_frames_the_skeleton_came_from(tmp_path):
    write_coded_video(str(tmp_path / 'long.mp4'), 80)     # a long source video
    write_coded_video(str(tmp_path / 'c_clip.mp4'), 12)   # a clip video: frame t = skeleton frame t
    write_coded_frames(str(tmp_path / 'c_frames'), 12)    # the same as a frame folder
    stride = 5 + 3 * np.arange(12)                         # skeleton of every 3rd frame from frame 5 on
    annos = [skeleton('c_long', stride, 'long.mp4', rgb_frame_inds=stride),
             skeleton('c_clip', np.arange(12), 'c_clip.mp4'),
             skeleton('c_frames', np.arange(12), 'c_frames')]
    ds = dataset(tmp_path, annos)
    for idx, ann in enumerate(annos):
        # equal clip lengths in test mode: RGB and pose sample the same skeleton frames
        res = _sample_and_decode(ds, idx, dict(RGB=8, Pose=8))
        assert (res['RGB_inds'] == res['Pose_inds']).all()
        codes = [read_code(f) for f in res['imgs']]
        assert codes == res['keypoint'][0, :, 0, 0].astype(int).tolist(), ann['frame_dir']
        # different lengths in training mode (as the configs: pose = 4 x RGB): both stay on the source timeline
        np.random.seed(idx)
        res = _sample_and_decode(ds, idx, dict(RGB=4, Pose=16), test_mode=False)
        src = ann['rgb_frame_inds'] if 'rgb_frame_inds' in ann else np.arange(12)
        assert [read_code(f) for f in res['imgs']] == src[res['RGB_inds']].tolist()
        assert res['keypoint'][0, :, 0, 0].astype(int).tolist() == src[res['Pose_inds']].tolist()
        assert res['rgb_source_inds'].tolist() == src[res['RGB_inds']].tolist()


def test_same_result_as_mmaction2_mmdecode(tmp_path):
    pytest.importorskip('decord')  # MMDecode reads with decord only
    from mmaction.datasets.transforms import MMDecode

    write_coded_video(str(tmp_path / 'c1.mp4'), 30)
    # skeleton estimated on frames twice the video's size (videos compressed for storage): keypoints rescale
    ds = dataset(tmp_path, [skeleton('c1', np.arange(30), 'c1.mp4', img_shape=(96, 180))])
    res = MMUniformSampleFrames(clip_len=dict(RGB=6, Pose=12), num_clips=2, test_mode=True).transform(
        ds.get_data_info(0))
    ours, theirs = RGBPoseDecode().transform(copy.deepcopy(res)), MMDecode().transform(copy.deepcopy(res))
    assert len(ours['imgs']) == len(theirs['imgs']) == 12
    for a, b in zip(ours['imgs'], theirs['imgs']):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours['keypoint'], theirs['keypoint'])
    np.testing.assert_allclose(ours['keypoint_score'], theirs['keypoint_score'])
    assert tuple(ours['img_shape']) == tuple(theirs['img_shape']) == (48, 90)
    assert ours['keypoint'][0, 0, 1, 0] == pytest.approx((20 + 1) / 2)


# -------------------------------------------------------------------------------------------- bad input
def test_missing_video_or_rgb_field_is_reported_by_clip(tmp_path):
    write_coded_video(str(tmp_path / 'ok.mp4'), 10)
    annos = [skeleton('ok', np.arange(10), 'ok.mp4'), skeleton('gone', np.arange(10), 'gone.mp4'),
             skeleton('unpaired', np.arange(10), None),
             skeleton('short_inds', np.arange(10), 'ok.mp4', rgb_frame_inds=np.arange(9))]
    with pytest.raises(AnnotationError) as e:
        dataset(tmp_path, annos)
    msg = str(e.value)
    assert "sample 'gone', field 'rgb'" in msg and os.path.join(str(tmp_path), 'gone.mp4') in msg
    assert "sample 'unpaired', field 'rgb': missing" in msg
    assert "sample 'short_inds', field 'rgb_frame_inds'" in msg and 'tools/data/pair_rgb.py' in msg
    assert "'ok'" not in msg
    ds = dataset(tmp_path, annos, skip_invalid=True)
    assert len(ds) == 1 and ds.get_data_info(0)['frame_dir'] == 'ok'
    assert ds.get_data_info(0)['filename'] == os.path.join(str(tmp_path), 'ok.mp4')


def test_corrupt_or_short_video_fails_naming_the_clip(tmp_path):
    (tmp_path / 'broken.mp4').write_bytes(b'\x00\x00\x00\x18ftypmp42' + os.urandom(2000))
    write_coded_video(str(tmp_path / 'short.mp4'), 10)
    ds = dataset(tmp_path, [skeleton('broken_clip', np.arange(12), 'broken.mp4'),
                            skeleton('short_clip', np.arange(12), 'short.mp4')])
    with pytest.raises(VideoReadError) as e:
        _sample_and_decode(ds, 0, dict(RGB=4, Pose=4))
    assert "clip 'broken_clip'" in str(e.value) and 'broken.mp4' in str(e.value)
    assert all(b in str(e.value) for b in BACKENDS)  # every backend was tried, each one's reason given
    with pytest.raises(VideoReadError, match=r"clip 'short_clip'.*has 10 decodable frames.*frame 11 is needed"):
        _sample_and_decode(ds, 1, dict(RGB=12, Pose=12))


def test_known_source_length_is_checked_at_start(tmp_path):
    write_coded_video(str(tmp_path / 'v.mp4'), 10)
    with pytest.raises(AnnotationError, match=r"sample 'c', field 'rgb_frame_inds': frame 14 needed but the RGB"):
        dataset(tmp_path, [skeleton('c', np.arange(5, 15), 'v.mp4', rgb_frame_inds=np.arange(5, 15),
                                    rgb_total_frames=10)])


def test_missing_rgb_root_is_named(tmp_path):
    ann = write_ann(tmp_path / 'ann.pkl', [skeleton('c', np.arange(5), 'c.mp4')])
    with pytest.raises(FileNotFoundError, match=r'rgb_root .*no_such_dir .*does not exist.*pair_rgb'):
        RGBPoseDataset(ann, [], rgb_root=str(tmp_path / 'no_such_dir'), split='train', num_classes=3)
