"""MediaPipe Holistic through the extraction code on a real video (tests/data/videos, mmaction2's demo
basketball clip: two full-body players). The first 60 frames are used to keep the test short."""
import os

import numpy as np
import pytest

from mg_posec3d.annotations import to_target
from mg_posec3d.layouts import MIGA22
from mg_posec3d.pose.runner import extract_video
from mg_posec3d.pose.video import InputItem

pytest.importorskip('mediapipe')
VIDEOS = os.path.join(os.path.dirname(__file__), '..', 'data', 'videos')
J = MIGA22.index


@pytest.fixture(scope='module')
def basketball():
    from mg_posec3d.pose.backends import MediaPipeBackend

    backend = MediaPipeBackend()
    try:
        item = InputItem('basketball', os.path.join(VIDEOS, 'basketball_426x240.mp4'), 'video')
        rec = extract_video(item, backend, stride=1, max_frames=60, show_progress=False)
    finally:
        backend.close()
    kp, sc = to_target(rec)
    return rec, kp, sc


def seen(sc, *joints):
    return np.all(sc[:, list(joints)] > 0, axis=1)


def test_person_found_in_most_frames(basketball):
    rec, kp, sc = basketball
    assert rec.img_shape == (240, 426) and rec.num_frames == 60 and rec.fps == pytest.approx(29.97, abs=0.01)
    assert rec.frame_inds.tolist() == list(range(60))
    assert (sc > 0).any(1).mean() >= 0.8       # measured: 59 of 60
    # every seen point is inside the frame, every unseen one is (0, 0) with score 0
    x, y = kp[..., 0][sc > 0], kp[..., 1][sc > 0]
    assert (x >= 0).all() and (x <= 426).all() and (y >= 0).all() and (y <= 240).all()
    assert (kp[sc == 0] == 0).all()


def test_points_sit_on_the_body(basketball):
    _, kp, sc = basketball
    m = seen(sc, J('Nose'), J('ShoulderCenter'), J('EyeLeft'), J('EyeRight'))
    assert m.sum() >= 40
    # upright players: nose and eyes above the shoulders' midpoint (image y grows downwards)
    assert (kp[m, J('Nose'), 1] < kp[m, J('ShoulderCenter'), 1]).mean() >= 0.9
    assert (kp[m][:, [J('EyeLeft'), J('EyeRight')], 1] < kp[m, J('ShoulderCenter'), 1][:, None]).mean() >= 0.9
    # ShoulderCenter is between the shoulders; elbows within an upper-arm length (< 2.5 shoulder widths)
    m = seen(sc, J('ShoulderLeft'), J('ShoulderRight'), J('ElbowLeft'), J('ElbowRight'))
    width = np.linalg.norm(kp[m, J('ShoulderLeft')] - kp[m, J('ShoulderRight')], axis=-1)
    mid = (kp[m, J('ShoulderLeft')] + kp[m, J('ShoulderRight')]) / 2
    assert np.allclose(kp[m, J('ShoulderCenter')], mid, atol=1e-3)
    for e, s in (('ElbowLeft', 'ShoulderLeft'), ('ElbowRight', 'ShoulderRight')):
        arm = np.linalg.norm(kp[m, J(e)] - kp[m, J(s)], axis=-1)
        assert (arm < 2.5 * np.maximum(width, 1)).mean() >= 0.9


def test_one_player_is_followed_without_switching(basketball):
    _, kp, sc = basketball
    m = sc[:, J('ShoulderCenter')] > 0
    centre = kp[m, J('ShoulderCenter')]
    # the two players stand >= 100 px apart; a switch would jump that far between consecutive frames
    assert np.linalg.norm(np.diff(centre, axis=0), axis=-1).max() < 40
    assert np.ptp(centre[:, 0]) < 100


def test_fingertips_belong_to_the_hand_at_joint_4(basketball):
    _, kp, sc = basketball
    # RightFinger1-5 are the person's right hand, whose wrist is HandLeft (joint 4): where that hand was
    # detected its fingertips must lie nearer to joint 4 than to joint 7
    m = seen(sc, J('RightFinger1'), J('HandLeft'), J('HandRight'))
    assert m.sum() >= 10                       # measured: 19 frames in the first 60
    tips = kp[m, J('RightFinger1'):J('RightFinger5') + 1]
    d4 = np.linalg.norm(tips - kp[m, J('HandLeft')][:, None], axis=-1).mean(1)
    d7 = np.linalg.norm(tips - kp[m, J('HandRight')][:, None], axis=-1).mean(1)
    assert (d4 < d7).mean() >= 0.9
