"""PoseRecord -> PYSKL annotations: the one builder, clip cutting, long sequences with segments, unseen joints."""
import numpy as np
import pytest

from mg_posec3d.annotations import (
    PoseRecord,
    build_annotation,
    make_annotations,
    make_sequence_annotation,
    sanitize,
    to_target,
)
from mg_posec3d.layouts import COCO17, MIGA22


def coco_record(t=10, frame_inds=None, img_shape=(100, 200)):
    """A generated record (not real data): COCO-17 points at known places, person seen in every frame."""
    kp = np.zeros((t, 17, 2), np.float32)
    sc = np.full((t, 17), 0.8, np.float32)
    for j in range(17):
        kp[:, j] = (10 + 5 * j, 20 + 2 * j)
    kp[:, :, 0] += np.arange(t)[:, None]   # moves right by 1 px per frame
    return PoseRecord('vid', kp, sc, img_shape, COCO17.name, frame_inds=frame_inds)


def test_whole_video_annotation_fields():
    rec = coco_record()
    (ann,) = make_annotations(rec)
    assert ann['frame_dir'] == 'vid' and ann['label'] == -1 and ann['total_frames'] == 10
    assert ann['img_shape'] == ann['original_shape'] == (100, 200)
    assert ann['keypoint'].shape == (1, 10, 22, 2) and ann['keypoint'].dtype == np.float32
    assert ann['keypoint_score'].shape == (1, 10, 22) and ann['keypoint_score'].dtype == np.float32
    # hand-checked joints of frame 3: Nose = coco 0 at (10+3, 20); HandLeft = right wrist (coco 10)
    kp = ann['keypoint'][0, 3]
    assert kp[MIGA22.index('Nose')].tolist() == [13, 20]
    assert kp[MIGA22.index('HandLeft')].tolist() == [10 + 50 + 3, 40]
    assert kp[MIGA22.index('ShoulderCenter')].tolist() == [(35 + 40) / 2 + 3, 31]
    # COCO-17 has no fingers: score 0 and coordinates 0
    assert (ann['keypoint_score'][0, :, 12:] == 0).all() and (ann['keypoint'][0, :, 12:] == 0).all()
    assert 'keypoint_full' not in ann


def test_clips_follow_label_rows_and_sampled_frames():
    # frames sampled with stride 2: original indices 0, 2, ..., 18
    rec = coco_record(t=10, frame_inds=np.arange(0, 20, 2))
    skipped = []
    anns = make_annotations(rec, [(4, 0, 5), (7, 30, 40), (2, 6, 6), (1, 7, 7)], keep_full=True,
                            skip=lambda n, r: skipped.append((n, r)))
    assert [a['frame_dir'] for a in anns] == ['vid_0', 'vid_2']     # 0-based row index
    assert anns[0]['label'] == 4 and anns[0]['frame_inds'].tolist() == [0, 2, 4]
    assert anns[0]['total_frames'] == 3 and anns[0]['keypoint'].shape == (1, 3, 22, 2)
    assert anns[1]['frame_inds'].tolist() == [6]
    assert [n for n, _ in skipped] == ['vid_1', 'vid_3']   # no sampled frame inside those ranges
    assert anns[0]['keypoint_full'].shape == (1, 3, 17, 2)
    assert anns[0]['keypoint_score_full'].shape == (1, 3, 17)


def test_clip_without_person_is_skipped():
    rec = coco_record()
    rec.score[5:] = 0
    skipped = []
    anns = make_annotations(rec, [(0, 0, 4), (1, 5, 9)], skip=lambda n, r: skipped.append((n, r)))
    assert [a['frame_dir'] for a in anns] == ['vid_0']
    assert skipped == [('vid_1', 'no person in the clip')]


def test_unseen_and_out_of_image_joints_get_score_zero():
    kp = np.array([[10, 10], [-5, 10], [250, 10], [np.nan, 3], [20, 20]], np.float32)
    sc = np.array([0.5, 0.9, 0.9, 0.9, 0.0], np.float32)
    out, osc = sanitize(kp, sc, (100, 200))
    assert osc.tolist() == [0.5, 0, 0, 0, 0]
    assert (out[1:] == 0).all() and out[0].tolist() == [10, 10]


def test_midpoint_with_one_unseen_shoulder_is_unseen():
    rec = coco_record(t=1)
    rec.score[0, 5] = 0   # left shoulder not seen
    kp, sc = to_target(rec)
    j = MIGA22.index('ShoulderCenter')
    assert sc[0, j] == 0 and kp[0, j].tolist() == [0, 0]
    assert sc[0, MIGA22.index('ShoulderLeft')] > 0   # the right shoulder is still there


def test_record_shape_is_checked():
    with pytest.raises(ValueError, match='vid: expected keypoint'):
        PoseRecord('vid', np.zeros((3, 16, 2)), np.zeros((3, 16)), (10, 10), COCO17.name)


def test_clips_without_a_person_are_kept_when_asked():
    rec = coco_record()
    rec.score[5:] = 0
    anns = make_annotations(rec, [(0, 0, 4), (1, 5, 9)], drop_empty=False)
    assert [a['frame_dir'] for a in anns] == ['vid_0', 'vid_1']
    assert (anns[1]['keypoint_score'] == 0).all() and anns[1]['total_frames'] == 5


def test_build_annotation_fields_and_shapes():
    kp = np.arange(3 * 4 * 2, dtype=np.float64).reshape(3, 4, 2)
    ann = build_annotation('c1', kp, np.ones((3, 4)), (10, 20), label=5, frame_inds=[7, 8, 9], video='v')
    assert ann['frame_dir'] == 'c1' and ann['label'] == 5 and ann['total_frames'] == 3 and ann['video'] == 'v'
    assert ann['img_shape'] == ann['original_shape'] == (10, 20)
    assert ann['keypoint'].shape == (1, 3, 4, 2) and ann['keypoint'].dtype == np.float32
    assert ann['keypoint_score'].shape == (1, 3, 4) and ann['frame_inds'].dtype == np.int64
    np.testing.assert_array_equal(ann['keypoint'][0], kp)
    # several people stay several people; unlabelled is -1 (mmaction2's datasets need a label field)
    two = build_annotation('c2', np.zeros((2, 3, 4, 2)), np.zeros((2, 3, 4)), (10, 20))
    assert two['keypoint'].shape == (2, 3, 4, 2) and two['label'] == -1 and two['total_frames'] == 3
    with pytest.raises(ValueError, match='c3: expected keypoint'):
        build_annotation('c3', np.zeros((3, 4, 3)), np.zeros((3, 4)), (10, 20))


def test_sequence_keeps_every_frame_and_segments_become_rows():
    # frames sampled with stride 2 (video frames 10, 12, ..., 28): segments are given in video frames
    rec = coco_record(t=10, frame_inds=np.arange(10, 30, 2))
    skipped = []
    seq = make_sequence_annotation(rec, [(3, 12, 17), (5, 100, 120), (0, 28, 28)],
                                   skip=lambda n, r: skipped.append((n, r)))
    assert seq['frame_dir'] == 'vid' and seq['label'] == -1 and seq['total_frames'] == 10
    # rows whose frame lies in 12..17: frames 12, 14, 16 = rows 1..3; frame 28 = row 9
    assert seq['segments'] == [(3, 1, 3), (0, 9, 9)]
    assert skipped == [('vid segment 5,100,120', 'segment outside the sequence frames')]
    assert 'segments' not in make_sequence_annotation(rec, None)
