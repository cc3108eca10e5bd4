"""PoseRecord -> PYSKL annotations: label csv parsing, clip cutting, unseen joints."""
import numpy as np
import pytest

from mg_posec3d.layouts import COCO17, MIGA22
from mg_posec3d.pose.record import PoseRecord, make_annotations, read_label_csv, sanitize, to_miga22


def coco_record(t=10, frame_inds=None, img_shape=(100, 200)):
    """A generated record (not real data): COCO-17 points at known places, person seen in every frame."""
    kp = np.zeros((t, 17, 2), np.float32)
    sc = np.full((t, 17), 0.8, np.float32)
    for j in range(17):
        kp[:, j] = (10 + 5 * j, 20 + 2 * j)
    kp[:, :, 0] += np.arange(t)[:, None]   # moves right by 1 px per frame
    return PoseRecord('vid', kp, sc, img_shape, COCO17.name, frame_inds=frame_inds)


def test_label_csv_ids_and_frames(tmp_path):
    p = tmp_path / 'v_label.csv'
    p.write_text('gesture,start,end\n1,0,4\n99,5,9\n\n32,3,3\n')
    # 1-based ids: 1 -> 0; raw 99 ("illustrative") -> 31; 32 -> 31 as well (iMiGUE has no raw 32)
    assert read_label_csv(str(p)) == [(0, 0, 4), (31, 5, 9), (31, 3, 3)]


@pytest.mark.parametrize('text,match', [('1,0\n', 'line 1'), ('1,0,4\nx,1,2\n', 'line 2'),
                                        ('0,1,2\n', 'not a 1-based'), ('3,5,2\n', 'bad frame range')])
def test_label_csv_errors_name_file_and_line(tmp_path, text, match):
    p = tmp_path / 'bad.csv'
    p.write_text(text)
    with pytest.raises(ValueError, match=match) as e:
        read_label_csv(str(p))
    assert 'bad.csv' in str(e.value)


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
    kp, sc = to_miga22(rec)
    j = MIGA22.index('ShoulderCenter')
    assert sc[0, j] == 0 and kp[0, j].tolist() == [0, 0]
    assert sc[0, MIGA22.index('ShoulderLeft')] > 0   # the right shoulder is still there


def test_record_shape_is_checked():
    with pytest.raises(ValueError, match='vid: expected keypoint'):
        PoseRecord('vid', np.zeros((3, 16, 2)), np.zeros((3, 16)), (10, 10), COCO17.name)
