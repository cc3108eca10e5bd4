"""Converters: the generic PYSKL remap on real reach-to-grasp clips, and the MiGA 2023 converter on MiGA-format
fixtures written by the test (raw csv folders and the challenge's npy arrays; the values are fixtures)."""
import os
import pickle

import numpy as np
import pytest

from mg_posec3d.annotations import ConversionReport
from mg_posec3d.converters.miga import convert_challenge_arrays, convert_raw_folder
from mg_posec3d.converters.pyskl import remap_dataset
from mg_posec3d.fileio import safe_load_pickle
from mg_posec3d.layouts import MIGA22
from tests.conftest import DATA, SAMPLE, tool_path


def test_remap_real_clips_matches_the_bundled_sample_and_the_joint_names():
    src = safe_load_pickle(os.path.join(DATA, 'rtg_original_subset.pkl'))
    out = remap_dataset(src, 'reach_to_grasp50', dtype=np.float16)
    sample = {a['frame_dir']: a for a in safe_load_pickle(SAMPLE)['annotations']}
    names = list(src['joint_names'])
    for a, orig in zip(out['annotations'], src['annotations']):
        ref = sample[a['frame_dir']]
        np.testing.assert_array_equal(a['keypoint'], ref['keypoint'])
        np.testing.assert_array_equal(a['keypoint_score'], ref['keypoint_score'])
        # hand-checked joints: HandLeft (image-left) is the person's right wrist; RightFinger1 its thumb tip
        np.testing.assert_array_equal(a['keypoint'][..., MIGA22.index('HandLeft'), :],
                                      orig['keypoint'][..., names.index('RWrist'), :])
        np.testing.assert_array_equal(a['keypoint'][..., MIGA22.index('RightFinger1'), :],
                                      orig['keypoint'][..., names.index('RThumb4FingerTip'), :])
        assert (a['keypoint_score'][..., MIGA22.index('Nose')] == 0).all()
    assert out['split'] == src['split'] and out['layout'] == 'miga22'


def _write_raw(folder, vid, frames, labels=None, start_frame=0):
    rng = np.random.default_rng(0)
    rows = []
    for f in range(frames):
        pts = rng.uniform(0, 1000, (35, 3)).round(2)
        pts[:, 2] = 0.9
        pts[0] = [f, f + 1, 0.5]  # Nose encodes the frame number, to check the clip cut
        rows.append(','.join([str(start_frame + f)] + [f'{v:g}' for v in pts.ravel()]))
    open(os.path.join(folder, f'{vid}_light_hand.csv'), 'w').write('frame,' + ','.join(
        f'p{i}' for i in range(105)) + '\n' + '\n'.join(rows) + '\n')
    if labels is not None:
        open(os.path.join(folder, f'{vid}_label.csv'), 'w').write('\n'.join(','.join(map(str, r)) for r in labels))


def test_raw_folders_are_cut_into_labelled_clips(tmp_path):
    _write_raw(tmp_path, 'v001', 40, labels=[(3, 5, 14), (99, 20, 29), (31, 35, 39)])
    _write_raw(tmp_path, 'v002', 10, labels=[(1, 50, 60)])
    report = ConversionReport()
    annos = {a['frame_dir']: a for a in convert_raw_folder(str(tmp_path), report)}
    assert sorted(annos) == ['v001_0', 'v001_1', 'v001_2']  # 0-based, as the challenge's ids (0054_0)
    assert annos['v001_0']['label'] == 2 and annos['v001_1']['label'] == 31 and annos['v001_2']['label'] == 30
    clip = annos['v001_0']
    assert clip['total_frames'] == 10 and clip['keypoint'].shape == (1, 10, 22, 2)
    np.testing.assert_array_equal(clip['keypoint'][0, :, 0, 0], np.arange(5, 15))  # frames 5..14 inclusive
    assert clip['frame_inds'].tolist() == list(range(5, 15)) and clip['video'] == 'v001'
    assert clip['img_shape'] == (1080, 1920)
    assert report.skipped and 'outside the skeleton csv frames' in report.summary()


def test_unlabelled_test_folder_gives_one_clip_per_video(tmp_path):
    _write_raw(tmp_path, 'v9', 12)
    (a,) = convert_raw_folder(str(tmp_path))
    # unlabelled is -1, as everywhere (mg_posec3d.annotations.build_annotation)
    assert a['frame_dir'] == 'v9' and a['label'] == -1 and a['total_frames'] == 12 and a['video'] == 'v9'


def test_challenge_arrays_like_the_winning_teams_input(tmp_path):
    data = np.random.default_rng(1).uniform(0, 1, (3, 3, 90, 22, 1)).astype(np.float32)
    np.save(tmp_path / 'train_data.npy', data)
    with open(tmp_path / 'train_label.pkl', 'wb') as f:
        pickle.dump((['a', 'b', 'c'], [0, 5, 31]), f)
    annos = convert_challenge_arrays(str(tmp_path / 'train_data.npy'), str(tmp_path / 'train_label.pkl'))
    assert [a['label'] for a in annos] == [0, 5, 31]
    np.testing.assert_array_equal(annos[1]['keypoint'][0, 7, 3], data[1, :2, 7, 3, 0])
    np.testing.assert_array_equal(annos[1]['keypoint_score'][0, 7], data[1, 2, 7, :, 0])


def test_convert_tool_writes_splits_and_refuses_to_overwrite(tmp_path, capsys):
    import subprocess
    import sys
    raw = tmp_path / 'raw'
    raw.mkdir()
    _write_raw(raw, 'v001', 30, labels=[(3, 0, 9), (4, 10, 29)])
    out = tmp_path / 'ann.pkl'
    cmd = [sys.executable, tool_path('convert_miga'), '--split', f'train={raw}', '--out', str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0 and 'train: wrote 2 clips, 30 frames; skipped nothing' in res.stdout
    data = safe_load_pickle(out)
    assert data['split'] == {'train': ['v001_0', 'v001_1']} and len(data['label_names']) == 32
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 2 and 'exists; pass --overwrite' in res.stderr


def test_convert_pose_tool_on_real_clips_reports_and_skips(tmp_path):
    import subprocess
    import sys
    src = safe_load_pickle(os.path.join(DATA, 'rtg_original_subset.pkl'))
    src['annotations'][1] = dict(src['annotations'][1], keypoint=src['annotations'][1]['keypoint'][..., :40, :])
    bad = tmp_path / 'in.pkl'
    bad.write_bytes(pickle.dumps(src))
    out = tmp_path / 'out.pkl'
    res = subprocess.run([sys.executable, tool_path('convert_pose'), str(bad), '--source',
                          'reach_to_grasp50', '--out', str(out), '--float16'], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert 'wrote 11 clips' in res.stdout and 'skipped 1 x' in res.stdout and 'reach_to_grasp50' in res.stdout
    data = safe_load_pickle(out)
    sample = {a['frame_dir']: a for a in safe_load_pickle(SAMPLE)['annotations']}
    for a in data['annotations']:
        np.testing.assert_array_equal(a['keypoint'], sample[a['frame_dir']]['keypoint'])
    assert src['annotations'][1]['frame_dir'] not in data['split']['P1']


# ---- one bad file or annotation never aborts a batch conversion (inputs generated by the tests) ----
def test_a_looping_or_odd_file_is_skipped_and_reported_the_rest_converted(tmp_path):
    _write_raw(tmp_path, 'v001', 20, labels=[(3, 0, 9)])
    _write_raw(tmp_path, 'v002', 20, labels=[(4, 0, 9)])
    _write_raw(tmp_path, 'v003', 20, labels=[(5, 0, 9)])
    _write_raw(tmp_path, 'v004', 20)
    os.symlink('v000_light_hand.csv', tmp_path / 'v000_light_hand.csv')   # a link to itself
    (tmp_path / 'v001_label.csv').write_text('1e400,0,9\n')              # int(inf): OverflowError before
    (tmp_path / 'v003_light_hand.csv').write_text('1,' + 'x' * 200_000 + '\n')   # over csv's field limit
    os.symlink('v004_label.csv', tmp_path / 'v004_label.csv')           # a looping label file is not "no labels"
    report = ConversionReport()
    annos = convert_raw_folder(str(tmp_path), report)
    assert [a['frame_dir'] for a in annos] == ['v002_0']
    loop = 'OSError: [Errno 40] Too many levels of symbolic links'
    assert dict(report.skipped) == {
        f'unreadable label csv ({tmp_path}/v001_label.csv: line 1: expected three integers "label,start,end", '
        "got ['1e400', '0', '9'])": 1,
        f"unreadable label csv ({loop}: '{tmp_path}/v004_label.csv')": 1,
        f"unreadable skeleton csv ({loop}: '{tmp_path}/v000_light_hand.csv')": 1,
        f'unreadable skeleton csv ({tmp_path}/v003_light_hand.csv: line 1: not a csv file: field larger than '
        'field limit (131072))': 1}


def test_challenge_arrays_skip_an_entry_with_a_bad_label(tmp_path):
    data = np.random.default_rng(1).uniform(0, 1, (3, 3, 20, 22, 1)).astype(np.float32)
    np.save(tmp_path / 'train_data.npy', data)
    with open(tmp_path / 'train_label.pkl', 'wb') as f:
        pickle.dump((['a', 'b', 'c'], [0, 'five', 31]), f)
    report = ConversionReport()
    annos = convert_challenge_arrays(str(tmp_path / 'train_data.npy'), str(tmp_path / 'train_label.pkl'), report)
    assert [(a['frame_dir'], a['label']) for a in annos] == [('a', 0), ('c', 31)]
    assert dict(report.skipped) == {f"{tmp_path / 'train_label.pkl'}: label of entry 1 is not an integer: 'five'": 1}


def test_remap_dataset_skips_malformed_annotations_and_keeps_the_rest():
    from mg_posec3d.converters.pyskl import remap_dataset

    src = safe_load_pickle(os.path.join(DATA, 'rtg_original_subset.pkl'))
    good = src['annotations'][0]
    annos = [good, 5, dict(good, frame_dir=['x']), dict(good, frame_dir='lst', keypoint=[[1, 2]]),
             dict(good, frame_dir='txt', keypoint=np.array(['a']))]
    report = ConversionReport()
    out = remap_dataset(dict(split={'all': [good['frame_dir'], 'lst', ['x']]}, annotations=annos),
                        'reach_to_grasp50', report=report)
    assert [a['frame_dir'] for a in out['annotations']] == [good['frame_dir']]
    assert out['split'] == {'all': [good['frame_dir']]} and report.clips == 1
    sc = good['keypoint_score'].shape
    assert dict(report.skipped) == {
        'annotation #1 is not a dict but int': 1,
        'annotation #2: frame_dir must be a string, got list': 1,
        f'reach_to_grasp50: expected keypoint [..., 50, 2] and score [..., 50], got (1, 2) and {sc}': 1,
        "could not convert string to float: 'a'": 1}
    assert report.examples['annotation #1 is not a dict but int'] == '#1'
    with pytest.raises(ValueError, match='field split: expected a dict of id lists'):
        remap_dataset(dict(split=['all'], annotations=[good]), 'reach_to_grasp50')
