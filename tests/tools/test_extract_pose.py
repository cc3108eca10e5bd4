"""tools/data/extract_pose.py end to end with MediaPipe on the real videos in tests/data/videos (a few frames)."""
import os
import shutil

import numpy as np
import pytest

from mg_posec3d.fileio import safe_load_pickle
from tools.data.extract_pose import main

pytest.importorskip('mediapipe')
VIDEOS = os.path.join(os.path.dirname(__file__), '..', 'data', 'videos')


def test_videos_to_annotations_with_overlay_and_resume(tmp_path, capsys):
    out = str(tmp_path / 'ann.pkl')
    vis = str(tmp_path / 'vis')
    args = [VIDEOS, '--out', out, '--max-frames', '12', '--no-progress']
    assert main(args + ['--vis', vis]) == 0
    text = capsys.readouterr().out
    assert 'inputs: 2 extracted (24 frames' in text and f'wrote {out}' in text
    data = safe_load_pickle(out)
    assert data['layout'] == 'miga22' and data['source_layout'] == ['mediapipe_holistic75']
    names = [a['frame_dir'] for a in data['annotations']]
    # MediaPipe finds no one in the first 12 frames of the arm-wrestling close-up (faces cut by the frame
    # edge): that video is reported and skipped, the other one goes on
    assert names == ['basketball_426x240'] and data['split'] == {'all': names}
    assert 'skipped 1 x no person (e.g. arm_wrestling_340x256)' in text
    bb = data['annotations'][0]
    assert bb['keypoint'].shape == (1, 12, 22, 2) and bb['keypoint'].dtype == np.float32
    assert bb['keypoint_score'].shape == (1, 12, 22) and bb['img_shape'] == (240, 426)
    assert (bb['keypoint_score'][0] > 0).any(1).sum() >= 9     # a person in most frames
    assert sorted(os.listdir(vis)) == ['basketball_426x240.mp4']
    assert 'overlay: ' in text
    # running again never replaces the output silently
    assert main(args) == 2
    assert 'exists; pass --overwrite' in capsys.readouterr().err
    # with --overwrite both videos come from the cache
    assert main(args + ['--overwrite']) == 0
    assert 'inputs: 0 extracted (0 frames, 0.0 fps), 2 from the cache' in capsys.readouterr().out
    again = safe_load_pickle(out)
    assert np.array_equal(again['annotations'][0]['keypoint'], bb['keypoint'])


def test_label_csv_clips_and_bad_video(tmp_path, capsys):
    folder = tmp_path / 'videos'
    folder.mkdir()
    shutil.copy(os.path.join(VIDEOS, 'basketball_426x240.mp4'), folder / 'basketball_426x240.mp4')
    (folder / 'broken.mp4').write_bytes(b'\x00' * 2048)
    labels = tmp_path / 'labels'
    labels.mkdir()
    (labels / 'basketball_426x240.csv').write_text('1,0,5\n99,6,11\n')
    (labels / 'broken.csv').write_text('2,0,3\n')
    out = str(tmp_path / 'clips.pkl')
    assert main([str(folder), '--out', out, '--label-csv', str(labels), '--stride', '2', '--max-frames', '6',
                 '--no-progress']) == 0
    cap = capsys.readouterr()
    assert 'skipped 1 x unreadable (InputReadError) (e.g. broken)' in cap.out
    assert 'broken.mp4: cannot open the video' in cap.err
    clips = safe_load_pickle(out)['annotations']
    assert [(c['frame_dir'], c['label'], c['frame_inds'].tolist()) for c in clips] == [
        ('basketball_426x240_0', 0, [0, 2, 4]), ('basketball_426x240_1', 31, [6, 8, 10])]


def test_usage_errors(tmp_path, capsys):
    assert main([str(tmp_path / 'missing.mp4'), '--out', str(tmp_path / 'a.pkl')]) == 2
    assert 'no such file' in capsys.readouterr().err
    assert main([VIDEOS, '--out', str(tmp_path / 'a.pkl'), '--backend', 'mmpose']) == 2
    assert '--pose-config and --pose-checkpoint' in capsys.readouterr().err
    (tmp_path / 'empty').mkdir()
    assert main([str(tmp_path / 'empty'), '--out', str(tmp_path / 'a.pkl')]) == 2
    assert 'nothing to read' in capsys.readouterr().err
