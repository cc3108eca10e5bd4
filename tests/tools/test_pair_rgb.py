"""tools/data/pair_rgb.py on clip videos cut from the real test videos (plus generated bad ones): every clip lands in
exactly one bucket of the report, the combined file reads back through RGBPoseDataset at the right frames.

The skeletons are generated fixtures (their content does not matter to pairing; see test_rgbpose_dataset.py).
"""
import importlib.util
import json
import os
import pickle
import shutil

import cv2
import numpy as np
import pytest
from mmaction.datasets.transforms import MMUniformSampleFrames

from mg_posec3d.datasets.rgbpose_dataset import RGBPoseDataset
from mg_posec3d.datasets.transforms import RGBPoseDecode
from mg_posec3d.fileio import safe_load_pickle
from tests.conftest import tool_path
from tests.datasets.rgb_fixtures import ARM_WRESTLING, BASKETBALL, cut_real_clip, real_frames, write_coded_video
from tests.datasets.test_rgbpose_dataset import skeleton

spec = importlib.util.spec_from_file_location('pair_rgb', tool_path('pair_rgb'))
pair_rgb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pair_rgb)


@pytest.fixture
def layout(tmp_path):
    """VIDEO_DIR with good, bad and unused sources, and a skeleton file of 10 clips."""
    vids = tmp_path / 'rgb'
    (vids / 'session1').mkdir(parents=True)
    (vids / 'a').mkdir()
    (vids / 'b').mkdir()
    cut_real_clip(BASKETBALL, str(vids / 'session1' / 'clipA.mp4'), 0, 12)
    cut_real_clip(BASKETBALL, str(vids / 'clipB.mp4'), 30, 10)
    frames = vids / 'session1' / 'clipC'
    frames.mkdir()
    for i, f in enumerate(real_frames(ARM_WRESTLING, 50, 8)):
        cv2.imwrite(str(frames / f'img_{i + 1:05d}.jpg'), f)
    (vids / 'corrupt.mp4').write_bytes(b'\x00\x00\x00\x18ftypmp42' + bytes(range(256)) * 8)
    write_coded_video(str(vids / 'short.mp4'), 6)
    write_coded_video(str(vids / 'extra.mp4'), 14)
    write_coded_video(str(vids / 'orphan.mp4'), 5)
    write_coded_video(str(vids / 'a' / 'dup.mp4'), 5)
    write_coded_video(str(vids / 'b' / 'dup.mp4'), 5)
    shutil.copy(BASKETBALL, vids / 'basketball_426x240.mp4')  # a long video some clips were cut from
    stride = np.arange(100, 131, 3)
    annos = [skeleton('clipA', np.arange(12), None, img_shape=(240, 426)),
             skeleton('clipB', np.arange(10), None, img_shape=(240, 426)),
             skeleton('clipC', np.arange(8), None, img_shape=(256, 340)),
             skeleton('corrupt', np.arange(8), None),
             skeleton('short', np.arange(9), None),
             skeleton('extra', np.arange(12), None),
             skeleton('dup', np.arange(5), None),
             skeleton('nofile', np.arange(5), None),
             skeleton('bb_3', stride, None, img_shape=(240, 426), video='basketball_426x240', frame_inds=stride),
             skeleton('bb_late', stride + 250, None, video='basketball_426x240', frame_inds=stride + 250)]
    names = [a['frame_dir'] for a in annos]
    ann = tmp_path / 'skeletons.pkl'
    with open(ann, 'wb') as f:
        pickle.dump(dict(split=dict(train=names[:5], test=names[5:]), annotations=annos), f)
    return tmp_path, str(ann), str(vids)


def run(*argv) -> int:
    return pair_rgb.main([str(a) for a in argv])


def test_every_clip_is_paired_or_reported(layout, capsys):
    tmp, ann, vids = layout
    out, report = tmp / 'combined.pkl', tmp / 'report.json'
    assert run(ann, vids, '--out', out, '--report', report) == 0
    text = capsys.readouterr().out
    rep = json.loads(report.read_text())
    assert sorted(rep['paired']) == ['bb_3', 'clipA', 'clipB', 'clipC']
    assert rep['no_rgb'] == ['dup', 'nofile']
    assert [c for c, _ in rep['bad_source']] == ['corrupt']
    assert "clip 'corrupt'" in rep['bad_source'][0][1] and 'corrupt.mp4' in rep['bad_source'][0][1]
    mismatch = dict(rep['frame_mismatch'])
    assert set(mismatch) == {'short', 'extra', 'bb_late'}
    assert 'has 6 frames, the skeleton needs frame 8' in mismatch['short']
    assert 'has 14 frames, the skeleton 12' in mismatch['extra']
    assert 'has 300 frames, the skeleton needs frame 380' in mismatch['bb_late']
    assert rep['unused_sources'] == ['orphan.mp4']
    assert sorted(rep['ambiguous_names']['dup']) == [os.path.join('a', 'dup.mp4'), os.path.join('b', 'dup.mp4')]
    assert 'paired 4 clips (1 from long videos at their frame_inds); skipped 6' in text

    data = safe_load_pickle(str(out))
    by_id = {a['frame_dir']: a for a in data['annotations']}
    assert data['split'] == dict(train=['clipA', 'clipB', 'clipC'], test=['bb_3'])
    assert by_id['clipA']['rgb'] == 'session1/clipA.mp4' and by_id['clipC']['rgb'] == 'session1/clipC'
    assert by_id['clipA']['rgb_frame_inds'].tolist() == list(range(12))
    assert by_id['clipA']['rgb_total_frames'] == 12 and by_id['clipC']['rgb_total_frames'] == 8
    assert by_id['bb_3']['rgb'] == 'basketball_426x240.mp4'
    assert by_id['bb_3']['rgb_frame_inds'].tolist() == list(range(100, 131, 3))
    np.testing.assert_array_equal(by_id['clipB']['keypoint'], skeleton('clipB', np.arange(10), None)['keypoint'])


def test_combined_file_reads_back_the_right_real_frames(layout, capsys):
    tmp, ann, vids = layout
    out = tmp / 'combined.pkl'
    assert run(ann, vids, '--out', out) == 0
    ds = RGBPoseDataset(str(out), [], rgb_root=vids, split='test', num_classes=3)
    res = MMUniformSampleFrames(clip_len=dict(RGB=4), test_mode=True).transform(ds.get_data_info(0))
    res = RGBPoseDecode().transform(res)
    oracle = real_frames(BASKETBALL, 0, 131)
    for src, img in zip(res['rgb_source_inds'], res['imgs']):
        assert 100 <= src <= 130 and (src - 100) % 3 == 0
        assert np.abs(img.astype(np.float32) - oracle[src][..., ::-1]).mean() < 1.0


def test_tolerance_never_overwrite_nothing_paired(layout, capsys):
    tmp, ann, vids = layout
    out = tmp / 'combined.pkl'
    assert run(ann, vids, '--out', out, '--frame-tolerance', '2', '--check', 'count') == 0
    paired = {a['frame_dir'] for a in safe_load_pickle(str(out))['annotations']}
    assert 'extra' in paired and 'corrupt' not in paired  # count: the header of corrupt.mp4 is unreadable
    before = out.read_bytes()
    assert run(ann, vids, '--out', out) == 2
    assert 'exists; pass --overwrite' in capsys.readouterr().err
    assert out.read_bytes() == before
    assert run(ann, vids, '--out', out, '--overwrite') == 0
    assert {a['frame_dir'] for a in safe_load_pickle(str(out))['annotations']} == paired - {'extra'}
    empty = tmp / 'empty'
    empty.mkdir()
    assert run(ann, empty, '--out', tmp / 'none.pkl') == 2
    assert 'error: no clip could be paired; nothing written to' in capsys.readouterr().err
    assert not (tmp / 'none.pkl').exists()
    assert run(ann, tmp / 'missing_dir', '--out', tmp / 'none.pkl') == 2
    assert run(ann, vids, '--out', ann) == 2


def test_match_video_ignores_clip_videos_of_the_same_name(layout, capsys):
    tmp, ann, vids = layout
    # a clip video named like the clip cut from the long video: auto takes it (identity), video the long one
    cut_real_clip(BASKETBALL, os.path.join(vids, 'bb_3.mp4'), 100, 11)
    for match, rel, inds in (('auto', 'bb_3.mp4', list(range(11))),
                             ('video', 'basketball_426x240.mp4', list(range(100, 131, 3)))):
        out = tmp / f'{match}.pkl'
        assert run(ann, vids, '--out', out, '--match', match) == 0
        by_id = {a['frame_dir']: a for a in safe_load_pickle(str(out))['annotations']}
        assert by_id['bb_3']['rgb'] == rel and by_id['bb_3']['rgb_frame_inds'].tolist() == inds
        assert ('clipA' in by_id) == (match == 'auto')
