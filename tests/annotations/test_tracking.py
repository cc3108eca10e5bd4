"""Main-subject selection on generated candidate lists (synthetic people, not real data)."""
import numpy as np
import pytest

from mg_posec3d.annotations.tracking import bbox_from_keypoints, iou, select_main_subject, subject_score

SHAPE = (200, 300)


def person(x1, y1, x2, y2, n=5):
    """A generated person: ``n`` joints spread over the box, all with score 1."""
    xs = np.linspace(x1, x2, n)
    ys = np.linspace(y1, y2, n)
    return np.stack([xs, ys], 1).astype(np.float32), np.ones(n, np.float32)


def test_box_iou_and_score_hand_checked():
    kp, sc = person(10, 20, 50, 100)
    sc[2] = 0.1   # below the threshold: ignored
    assert bbox_from_keypoints(kp, sc).tolist() == [10, 20, 50, 100]
    assert bbox_from_keypoints(kp, np.zeros(5)) is None
    a, b = np.array([0, 0, 10, 10.]), np.array([5, 0, 15, 10.])
    assert iou(a, b) == pytest.approx(50 / 150)
    # a centred box of 1/4 of the image area: sqrt(0.25) * (1 - 0) = 0.5
    assert subject_score(np.array([75, 50, 225, 150.]), SHAPE) == pytest.approx(0.5)
    # the same box in the top-left corner: centre offset |(75, 50)| = 90.14 is half the half-diagonal
    # (180.28), so 0.5 * (1 - 0.5 * 0.5)
    assert subject_score(np.array([0, 0, 150, 100.]), SHAPE) == pytest.approx(0.375)


def test_keeps_the_large_central_person_whatever_the_list_order():
    big = [person(110 + t, 40, 190 + t, 190) for t in range(8)]
    small = [person(5, 5 + t, 35, 60 + t) for t in range(8)]
    frames = [[big[t], small[t]] if t % 2 else [small[t], big[t]] for t in range(8)]
    pick = select_main_subject(frames, SHAPE)
    assert pick == [1 if t % 2 == 0 else 0 for t in range(8)]


def test_missing_frames_keep_no_one_and_the_track_resumes():
    big = [person(110, 40, 190, 190)] * 6
    small = person(5, 5, 35, 60)
    frames = [[big[0], small], [small], [small], [small, big[3]], [big[4]], []]
    # frames 1-2: the subject is not seen; taking the small person there would switch identities
    assert select_main_subject(frames, SHAPE) == [0, None, None, 1, 0, None]


def test_a_longer_track_beats_a_briefly_larger_one():
    steady = [person(100, 50, 160, 150) for _ in range(10)]
    flash = person(0, 0, 300, 200)   # whole-frame false detection in one frame
    frames = [[s] for s in steady]
    frames[4] = [flash, steady[4]]
    assert select_main_subject(frames, SHAPE) == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
