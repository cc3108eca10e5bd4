"""OpenPose JSON import. The JSON files are fixtures written by the test (generated numbers in the real
OpenPose ``--write_json`` format), not real OpenPose output."""
import json
import os

import numpy as np
import pytest

from mg_posec3d.annotations import make_annotations
from mg_posec3d.converters.openpose_json import load_openpose_folder, read_openpose_json
from mg_posec3d.layouts import MIGA22, OPENPOSE_BODY25_HANDS

SHAPE = (480, 640)


def person(x0, y0, scale=1.0, hands=True, conf=0.8):
    """A generated person: BODY_25 point k at (x0 + 3k, y0 + 2k) * scale; left-hand point k at
    (x0 + 100 + k, y0 + 50 + k); right-hand point k at (x0 + 200 + k, y0 + 60 + k)."""
    body = [[(x0 + 3 * k) * scale, (y0 + 2 * k) * scale, conf] for k in range(25)]
    out = {'person_id': [-1], 'pose_keypoints_2d': sum(body, []), 'face_keypoints_2d': []}
    if hands:
        out['hand_left_keypoints_2d'] = sum([[x0 + 100 + k, y0 + 50 + k, conf] for k in range(21)], [])
        out['hand_right_keypoints_2d'] = sum([[x0 + 200 + k, y0 + 60 + k, conf] for k in range(21)], [])
    else:
        out['hand_left_keypoints_2d'] = out['hand_right_keypoints_2d'] = []
    return out


def write_frames(folder, frames, name='clip'):
    os.makedirs(folder, exist_ok=True)
    for t, people in frames.items():
        with open(os.path.join(folder, f'{name}_{t:012d}_keypoints.json'), 'w') as f:
            json.dump({'version': 1.3, 'people': people}, f)


def test_one_frame_mapped_joint_by_joint(tmp_path):
    write_frames(tmp_path / 'clip', {0: [person(100, 100)]})
    (people,) = [read_openpose_json(str(p)) for p in (tmp_path / 'clip').iterdir()]
    kp, sc = people[0]
    assert kp.shape == (67, 2) and sc.shape == (67,)
    rec = load_openpose_folder(str(tmp_path / 'clip'), SHAPE)
    (ann,) = make_annotations(rec)
    got = ann['keypoint'][0, 0]
    body = {n: (100 + 3 * k, 100 + 2 * k) for k, n in enumerate(OPENPOSE_BODY25_HANDS.joints[:25])}
    expected = {'Nose': body['Nose'], 'ShoulderCenter': body['Neck'], 'ShoulderLeft': body['RShoulder'],
                'ElbowLeft': body['RElbow'], 'HandLeft': body['RWrist'], 'ShoulderRight': body['LShoulder'],
                'ElbowRight': body['LElbow'], 'HandRight': body['LWrist'], 'EyeLeft': body['REye'],
                'EyeRight': body['LEye'], 'EarLeft': body['REar'], 'EarRight': body['LEar']}
    for k, tip in enumerate((4, 8, 12, 16, 20)):   # fingertips; RightFinger = right hand (at HandLeft)
        expected[f'RightFinger{k + 1}'] = (100 + 200 + tip, 100 + 60 + tip)
        expected[f'LeftFinger{k + 1}'] = (100 + 100 + tip, 100 + 50 + tip)
    assert set(expected) == set(MIGA22.joints)
    for joint, xy in expected.items():
        assert got[MIGA22.index(joint)].tolist() == list(xy), joint
    assert np.allclose(ann['keypoint_score'][0, 0], 0.8)
    assert ann['img_shape'] == SHAPE and ann['frame_dir'] == 'clip'


def test_main_subject_frame_gaps_and_missing_hands(tmp_path):
    big = [person(250, 100, scale=1.0) for _ in range(5)]
    small = person(5, 5, scale=0.3, hands=False)
    # frame 2 is missing from the folder (an empty frame); the main subject is listed second in frame 1
    frames = {0: [big[0], small], 1: [small, big[1]], 3: [big[3]], 4: [small]}
    write_frames(tmp_path / 'v', frames)
    rec = load_openpose_folder(str(tmp_path / 'v'), SHAPE)
    assert rec.frame_inds.tolist() == [0, 1, 2, 3, 4] and rec.meta['people_per_frame_max'] == 2
    seen = (rec.score > 0).any(1)
    assert seen.tolist() == [True, True, False, True, False]   # frame 4: only the other person
    assert rec.keypoint[1, 0].tolist() == [250, 100]            # the big person's nose
    # a person without --hand output: the finger joints are unseen (score 0)
    write_frames(tmp_path / 'nohands', {0: [person(250, 100, hands=False)]})
    (ann,) = make_annotations(load_openpose_folder(str(tmp_path / 'nohands'), SHAPE))
    assert (ann['keypoint_score'][0, 0, 12:] == 0).all() and (ann['keypoint_score'][0, 0, :12] > 0).all()


def test_errors_name_the_file_person_and_field(tmp_path):
    bad = person(0, 0)
    bad['pose_keypoints_2d'] = bad['pose_keypoints_2d'][:18 * 3]
    write_frames(tmp_path / 'coco', {0: [person(0, 0), bad]})
    with pytest.raises(ValueError, match=r'clip_000000000000_keypoints.json: person 1: pose_keypoints_2d has 18'):
        load_openpose_folder(str(tmp_path / 'coco'), SHAPE)
    bad = person(0, 0)
    bad['hand_left_keypoints_2d'] = bad['hand_left_keypoints_2d'][:-3]
    write_frames(tmp_path / 'short', {0: [bad]})
    with pytest.raises(ValueError, match=r'person 0: hand_left_keypoints_2d has 60 values, expected 63'):
        load_openpose_folder(str(tmp_path / 'short'), SHAPE)
    (tmp_path / 'junk').mkdir()
    (tmp_path / 'junk' / 'a_000000000000_keypoints.json').write_text('{not json')
    with pytest.raises(ValueError, match='not a readable OpenPose JSON'):
        load_openpose_folder(str(tmp_path / 'junk'), SHAPE)


def test_extract_pose_tool_reads_openpose_folders(tmp_path, capsys):
    from tools.data.extract_pose import main

    root = tmp_path / 'json'
    write_frames(root / 'vid1', {t: [person(200 + t, 100)] for t in range(6)}, name='vid1')
    write_frames(root / 'vid2', {t: [person(100, 100 + t)] for t in range(4)}, name='vid2')
    (tmp_path / 'vid1.csv').write_text('5,1,3\n')
    out = str(tmp_path / 'ann.pkl')
    assert main([str(root), '--out', out, '--no-progress']) == 2
    assert '--img-shape' in capsys.readouterr().err
    assert main([str(root), '--out', out, '--img-shape', '480', '640', '--no-progress']) == 0
    from mg_posec3d.fileio import safe_load_pickle
    data = safe_load_pickle(out)
    assert [a['frame_dir'] for a in data['annotations']] == ['vid1', 'vid2']
    assert [a['total_frames'] for a in data['annotations']] == [6, 4]
    assert data['source_layout'] == ['openpose_body25_hands']
    # one label csv for a single input
    out2 = str(tmp_path / 'clips.pkl')
    assert main([str(root / 'vid1'), '--out', out2, '--img-shape', '480', '640', '--label-csv',
                 str(tmp_path / 'vid1.csv'), '--no-progress']) == 0
    (clip,) = safe_load_pickle(out2)['annotations']
    assert (clip['frame_dir'], clip['label'], clip['frame_inds'].tolist()) == ('vid1_0', 4, [1, 2, 3])


def test_frame_numbers_far_beyond_the_files_are_refused_naming_folder_and_files(tmp_path):
    # 2 files numbered 0 and 20000: before, 20001 frames (all but 2 empty) were made without a word
    write_frames(tmp_path / 'gap', {0: [person(0, 0)], 20000: [person(0, 0)]}, name='v')
    with pytest.raises(ValueError) as e:
        load_openpose_folder(str(tmp_path / 'gap'), SHAPE)
    assert str(e.value) == (
        f'{tmp_path}/gap: frame numbers 0..20000 span 20001 frames but there are only 2 *_keypoints.json files '
        '(at most 1020 frames allowed); the largest gap (19999 missing frames) is between '
        'v_000000000000_keypoints.json and v_000000020000_keypoints.json. Missing numbers would become empty '
        'frames: are files of another video or a renamed file in this folder?')


def test_the_frame_span_limit_is_10_per_file_plus_1000(tmp_path):
    write_frames(tmp_path / 'edge', {0: [person(0, 0)], 1019: [person(0, 0)]})
    assert load_openpose_folder(str(tmp_path / 'edge'), SHAPE).num_frames == 1020   # 10 * 2 + 1000: kept
    write_frames(tmp_path / 'over', {0: [person(0, 0)], 1020: [person(0, 0)]})
    with pytest.raises(ValueError, match='span 1021 frames'):
        load_openpose_folder(str(tmp_path / 'over'), SHAPE)


def test_a_200_million_frame_gap_is_refused_before_allocating(tmp_path):
    """The memory bomb: files 0 and 200000000 used to allocate about 2.3 GB; now the refusal comes first."""
    import tracemalloc

    write_frames(tmp_path / 'bomb', {0: [person(0, 0)], 200_000_000: [person(0, 0)]})
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match='span 200000001 frames'):
            load_openpose_folder(str(tmp_path / 'bomb'), SHAPE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize('people, message', [
    ('[5]', 'person 0: expected an object with pose_keypoints_2d, got int'),
    ('[{"pose_keypoints_2d": "abc"}]', 'person 0: pose_keypoints_2d must be a flat list of numbers'),
    ('[{"pose_keypoints_2d": [[1, 2, 3]]}]', 'person 0: pose_keypoints_2d must be a flat list of numbers'),
    ('[{"pose_keypoints_2d": ["1", 2, 3]}]', 'person 0: pose_keypoints_2d must be a flat list of numbers'),
    ('[{"pose_keypoints_2d": [' + ', '.join(['1'] * 75) + '], "hand_left_keypoints_2d": {"a": 1}}]',
     'person 0: hand_left_keypoints_2d must be a flat list of numbers'),
])
def test_malformed_people_name_the_file_person_and_field(tmp_path, people, message):
    path = tmp_path / 'a_000000000000_keypoints.json'
    path.write_text('{"people": ' + people + '}')
    with pytest.raises(ValueError) as e:
        read_openpose_json(str(path))
    assert str(e.value) == f'{path}: {message}'


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    path = tmp_path / 'a_000000000000_keypoints.json'
    path.write_text('{"people": ' + '[' * 100_000 + ']' * 100_000 + '}')
    with pytest.raises(ValueError, match=r'a_000000000000_keypoints\.json: not a readable OpenPose JSON file: '
                                         r'RecursionError'):
        read_openpose_json(str(path))
