"""The mmpose backend through the same code path as real use, with a model built from an mmpose config
shipped in the mmpose package (RTMPose COCO-WholeBody, shrunk to RTMPose-t width/depth to stay fast) and
**random weights** (no checkpoint is loaded: none may be downloaded). Its keypoints are meaningless; the
test checks the plumbing: boxes, mmpose's own inference API, the 133 -> miga22 mapping, the runner."""
import os

import numpy as np
import pytest

from mg_posec3d import compat
from mg_posec3d.layouts import COCO_WHOLEBODY, map_keypoints
from mg_posec3d.pose.video import InputItem, iter_frames

mmpose = pytest.importorskip('mmpose')
compat.apply_mmpose()   # before anything imports mmpose.apis (see mg_posec3d/compat.py)
VIDEO = os.path.join(os.path.dirname(__file__), '..', 'data', 'videos', 'basketball_426x240.mp4')
CFG = os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'configs', 'wholebody_2d_keypoint', 'rtmpose',
                   'coco-wholebody', 'rtmpose-m_8xb64-270e_coco-wholebody-256x192.py')


pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def small_config(tmp_path_factory):
    from mmengine.config import Config

    cfg = Config.fromfile(CFG)
    cfg.model.backbone.update(deepen_factor=0.167, widen_factor=0.375)   # RTMPose-t sizes
    cfg.model.head.in_channels = 384
    cfg.model.test_cfg.flip_test = False   # one forward pass per frame
    path = str(tmp_path_factory.mktemp('mmpose') / 'rtmpose_t_wholebody.py')
    cfg.dump(path)
    return path


@pytest.fixture(scope='module')
def frame_backend(small_config):
    from mg_posec3d.pose.backends import MMPoseBackend
    return MMPoseBackend(small_config, None, box='frame')


@pytest.fixture(scope='module')
def frames():
    item = InputItem('basketball', VIDEO, 'video')
    return [f for _, f in iter_frames(item, stride=40, max_frames=2)]


def test_whole_frame_box_matches_mmpose_api(frame_backend, frames):
    from mmpose.apis import inference_topdown

    backend = frame_backend
    assert backend.source is COCO_WHOLEBODY
    for frame in frames:
        got = backend(frame)
        h, w = frame.shape[:2]
        assert got.bbox.tolist() == [0, 0, w, h]
        ref = inference_topdown(backend.model, frame, np.array([[0, 0, w, h]], np.float32))[0].pred_instances
        assert np.allclose(got.keypoint, ref.keypoints[0])
        assert np.allclose(got.score, np.clip(ref.keypoint_scores[0], 0, 1))
        assert got.keypoint.shape == (133, 2) and (got.score >= 0).all() and (got.score <= 1).all()
        kp, sc = map_keypoints(got.keypoint, got.score, COCO_WHOLEBODY)
        assert kp[12].tolist() == got.keypoint[116].tolist()   # RightFinger1 = right thumb tip (right_thumb4)


def test_mediapipe_box_is_used(small_config):
    pytest.importorskip('mediapipe')
    from mg_posec3d.pose.backends import MMPoseBackend

    backend = MMPoseBackend(small_config, None, box='mediapipe')
    found = 0
    for _, frame in iter_frames(InputItem('basketball', VIDEO, 'video'), max_frames=4):
        got = backend(frame)
        if got is None:
            continue
        found += 1
        # top-down decoding only reaches the affine crop around the box: the box padded by 1.25 and
        # widened to the model's 192:256 aspect ratio
        x1, y1, x2, y2 = got.bbox
        cx, cy, bw, bh = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) * 1.25, (y2 - y1) * 1.25
        bw, bh = max(bw, bh * 0.75), max(bh, bw / 0.75)
        assert bh < frame.shape[0]   # a person box, not the whole frame
        assert (np.abs(got.keypoint[:, 0] - cx) <= bw / 2 + 2).all()
        assert (np.abs(got.keypoint[:, 1] - cy) <= bh / 2 + 2).all()
    backend.close()
    assert found >= 3   # MediaPipe follows the player in consecutive frames


def test_runner_with_mmpose(small_config, frame_backend, tmp_path):
    from mg_posec3d.fileio import safe_load_pickle
    from mg_posec3d.pose.runner import BackendSpec, ExtractOptions, run_extraction

    class Spec(BackendSpec):   # the real spec, handing out the model built above (loading it is slow)
        def build(self):
            return frame_backend

    spec = Spec('mmpose', dict(config=small_config, checkpoint=None, box='frame'))
    assert BackendSpec.build(spec).source is COCO_WHOLEBODY   # the spec itself builds the same backend
    out = str(tmp_path / 'ann.pkl')
    rep = run_extraction([InputItem('basketball', VIDEO, 'video')], out, spec,
                         ExtractOptions(max_frames=3, stride=20, keep_full=True, show_progress=False))
    assert rep.extracted == 1
    data = safe_load_pickle(out)
    ann = data['annotations'][0]
    assert data['source_layout'] == ['coco_wholebody133'] and len(data['full_joint_names']) == 133
    assert ann['keypoint'].shape == (1, 3, 22, 2) and ann['keypoint_full'].shape == (1, 3, 133, 2)
    assert ann['frame_inds'].tolist() == [0, 20, 40]


def test_refuses_downloads_and_missing_files(small_config):
    from mg_posec3d.pose.backends import MediaPipeBackend, MMPoseBackend

    with pytest.raises(ValueError, match='never downloads'):
        MMPoseBackend(small_config, 'https://download.openmmlab.com/x.pth')
    with pytest.raises(FileNotFoundError, match='no such pose checkpoint'):
        MMPoseBackend(small_config, '/nonexistent.pth')
    with pytest.raises(ValueError, match='model_complexity=1'):
        MediaPipeBackend(model_complexity=2)
