"""The batch runner: cache/resume, skipping bad inputs, frame folders, label csv folders, overlays.

The real videos in tests/data/videos are decoded for real; the pose backend is a stub (a test double)
whose "keypoints" are computed from each frame's pixels, so cached and fresh results can be compared.
"""
import os
import shutil

import numpy as np
import pytest

from mg_posec3d.fileio import safe_load_pickle
from mg_posec3d.layouts import COCO17, MIGA22
from mg_posec3d.pose.backends import FramePose, PoseBackend
from mg_posec3d.pose.runner import ExtractOptions, cache_dir_for, render_overlay, run_extraction
from mg_posec3d.pose.video import discover_inputs, iter_frames
from mg_posec3d.pose.visualize import LEFT_COLOUR, draw_skeleton

VIDEOS = os.path.join(os.path.dirname(__file__), '..', 'data', 'videos')


class StubBackend(PoseBackend):
    """COCO-17 points on a grid shifted by the frame's mean brightness; no person in 340-wide frames
    (the arm-wrestling video) when ``blind_width`` says so."""

    name = 'stub'
    source = COCO17

    def __init__(self, spec):
        self.spec = spec

    def __call__(self, frame):
        h, w = frame.shape[:2]
        self.spec.calls += 1
        if self.spec.interrupt_after is not None and self.spec.calls > self.spec.interrupt_after:
            raise KeyboardInterrupt
        if w == self.spec.blind_width:
            return None
        shift = float(frame.mean()) / 10
        kp = np.stack([np.linspace(20, w - 20, 17) + shift, np.linspace(20, h - 20, 17)], 1).astype(np.float32)
        return FramePose(kp, np.full(17, 0.9, np.float32), None)


class StubSpec:
    def __init__(self, blind_width=None, interrupt_after=None, tag='a'):
        self.builds = self.calls = 0
        self.blind_width, self.interrupt_after, self.tag = blind_width, interrupt_after, tag

    def settings(self):
        return {'backend': 'stub', 'tag': self.tag}

    def build(self):
        self.builds += 1
        return StubBackend(self)


def opts(**kw):
    kw.setdefault('max_frames', 8)
    return ExtractOptions(show_progress=False, **kw)


def test_resume_reuses_finished_inputs(tmp_path):
    items = discover_inputs(VIDEOS)
    assert [it.name for it in items] == ['arm_wrestling_340x256', 'basketball_426x240']
    out = str(tmp_path / 'ann.pkl')
    # an interrupted first run: the second video never finishes and no output is written
    spec = StubSpec(interrupt_after=10)
    with pytest.raises(KeyboardInterrupt):
        run_extraction(items, out, spec, opts(), log=lambda s: None)
    assert not os.path.exists(out)
    assert sorted(os.listdir(cache_dir_for(out))) == ['arm_wrestling_340x256.pkl']
    # the re-run takes the finished video from the cache and extracts only the other one
    spec = StubSpec()
    rep = run_extraction(items, out, spec, opts(), log=lambda s: None)
    assert (rep.cached, rep.extracted, spec.calls) == (1, 1, 8)
    first = safe_load_pickle(out)
    # the output is never replaced silently
    with pytest.raises(FileExistsError, match='--overwrite'):
        run_extraction(items, out, spec, opts(), log=lambda s: None)
    # with --overwrite everything comes from the cache: no backend is even built
    spec = StubSpec()
    rep = run_extraction(items, out, spec, opts(overwrite=True), log=lambda s: None)
    assert (rep.cached, rep.extracted, spec.builds) == (2, 0, 0)
    again = safe_load_pickle(out)
    for a, b in zip(first['annotations'], again['annotations']):
        assert np.array_equal(a['keypoint'], b['keypoint'])
    # the cached keypoints are the ones a fresh run computes
    fresh = str(tmp_path / 'fresh.pkl')
    run_extraction(items, fresh, StubSpec(), opts(), log=lambda s: None)
    for a, b in zip(first['annotations'], safe_load_pickle(fresh)['annotations']):
        assert np.array_equal(a['keypoint'], b['keypoint']) and a['frame_dir'] == b['frame_dir']
    # other settings (backend options, stride) make the cached parts stale: re-extracted
    spec = StubSpec(tag='b')
    rep = run_extraction(items, out, spec, opts(overwrite=True, stride=2), log=lambda s: None)
    assert (rep.stale, rep.extracted, rep.cached) == (2, 2, 0)
    ann = safe_load_pickle(out)['annotations'][0]
    assert ann['frame_inds'].tolist() == list(range(0, 16, 2))


def test_output_format(tmp_path):
    out = str(tmp_path / 'ann.pkl')
    run_extraction(discover_inputs(VIDEOS), out, StubSpec(), opts(keep_full=True, split='test'),
                   log=lambda s: None)
    data = safe_load_pickle(out)
    assert data['split'] == {'test': ['arm_wrestling_340x256', 'basketball_426x240']}
    assert data['layout'] == 'miga22' and data['joint_names'] == list(MIGA22.joints)
    assert data['source_layout'] == ['coco17'] and data['full_joint_names'] == list(COCO17.joints)
    a = data['annotations'][1]
    assert a['img_shape'] == a['original_shape'] == (240, 426) and a['total_frames'] == 8
    assert a['keypoint'].shape == (1, 8, 22, 2) and a['keypoint'].dtype == np.float32
    assert a['keypoint_score'].shape == (1, 8, 22) and a['keypoint_score'].dtype == np.float32
    assert a['keypoint_full'].shape == (1, 8, 17, 2) and a['label'] == -1
    assert a['fps'] == pytest.approx(29.97, abs=0.01)
    # the output file has the usual permissions (not mkstemp's 0600)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask


def test_bad_and_empty_inputs_are_reported_and_skipped(tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    (folder / 'broken.mp4').write_bytes(b'this is not a video' * 100)
    for f in os.listdir(VIDEOS):
        shutil.copy(os.path.join(VIDEOS, f), folder / f)
    out = str(tmp_path / 'ann.pkl')
    logs = []
    rep = run_extraction(discover_inputs(str(folder)), out, StubSpec(blind_width=340), opts(), log=logs.append)
    data = safe_load_pickle(out)
    assert [a['frame_dir'] for a in data['annotations']] == ['basketball_426x240']
    assert dict(rep.skipped) == {'unreadable (InputReadError)': 1, 'no person': 1}
    assert rep.examples['no person'] == 'arm_wrestling_340x256'
    assert any('broken.mp4' in s and 'cannot open' in s for s in logs)
    assert '1 x unreadable (InputReadError) (e.g. broken)' in rep.summary()
    # "no person" is remembered in the cache; the unreadable file is retried next time
    assert sorted(os.listdir(cache_dir_for(out))) == ['arm_wrestling_340x256.pkl', 'basketball_426x240.pkl']


def test_frame_folder_input(tmp_path):
    frames = tmp_path / 'clip01'
    frames.mkdir()
    import cv2
    item = discover_inputs(os.path.join(VIDEOS, 'basketball_426x240.mp4'))[0]
    for idx, img in iter_frames(item, max_frames=6):
        cv2.imwrite(str(frames / f'img_{idx + 1}.jpg'), img)
    (frames / 'img_10.jpg').write_bytes(b'not a jpeg')   # sorts after img_6 (natural order)
    (it,) = discover_inputs(str(frames))
    assert (it.kind, it.name) == ('frames', 'clip01')
    logs = []
    run_extraction([it], str(tmp_path / 'ann.pkl'), StubSpec(), opts(max_frames=None), log=logs.append)
    ann = safe_load_pickle(str(tmp_path / 'ann.pkl'))['annotations'][0]
    assert ann['frame_inds'].tolist() == [0, 1, 2, 3, 4, 5] and ann['img_shape'] == (240, 426)
    assert any('1 unreadable frame' in s for s in logs)


def test_label_csv_folder(tmp_path):
    labels = tmp_path / 'labels'
    labels.mkdir()
    (labels / 'basketball_426x240_label.csv').write_text('3,0,3\n99,4,7\n')
    out = str(tmp_path / 'ann.pkl')
    logs = []
    rep = run_extraction(discover_inputs(VIDEOS), out, StubSpec(), opts(label_csv=str(labels)), log=logs.append)
    data = safe_load_pickle(out)
    assert [(a['frame_dir'], a['label'], a['total_frames']) for a in data['annotations']] == [
        ('basketball_426x240_0', 2, 4), ('basketball_426x240_1', 31, 4)]
    assert rep.examples['label csv missing or bad'] == 'arm_wrestling_340x256'
    assert any('no label csv for arm_wrestling_340x256' in s for s in logs)


def test_overlay_draws_the_skeleton(tmp_path):
    import cv2
    # a black image: the limb ShoulderLeft-ElbowLeft (image-left arm) is drawn in the left colour
    img = np.zeros((100, 100, 3), np.uint8)
    kp = np.zeros((22, 2), np.float32)
    sc = np.zeros(22, np.float32)
    kp[2], kp[3] = (20, 20), (20, 80)
    sc[2] = sc[3] = 1
    out = draw_skeleton(img, kp, sc)
    assert tuple(out[50, 20]) == LEFT_COLOUR and out[50, 60].sum() == 0 and img.sum() == 0
    # the overlay video of a real clip: one frame per sampled frame, readable, same size
    item = discover_inputs(os.path.join(VIDEOS, 'basketball_426x240.mp4'))[0]
    spec = StubSpec()
    run_extraction([item], str(tmp_path / 'a.pkl'), spec,
                   opts(stride=3, max_frames=5, vis_dir=str(tmp_path / 'vis')), log=lambda s: None)
    cap = cv2.VideoCapture(str(tmp_path / 'vis' / 'basketball_426x240.mp4'))
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == 5 and int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 426
    # rendering again from the record alone (as for cached inputs) gives the same frame count
    from mg_posec3d.annotations import PoseRecord
    part = safe_load_pickle(os.path.join(cache_dir_for(str(tmp_path / 'a.pkl')), 'basketball_426x240.pkl'))
    assert render_overlay(item, PoseRecord.from_dict(part['record']), str(tmp_path / 'again.mp4')) == 5


# ---- one bad input never aborts the batch (the JSON files are fixtures generated here) ----
def _openpose_inputs(root):
    from tests.converters.test_openpose_json import person, write_frames

    write_frames(root / 'good', {t: [person(200, 100 + t)] for t in range(3)}, name='good')
    (root / 'bad').mkdir()
    (root / 'bad' / 'bad_000000000000_keypoints.json').write_text('{"people": [5]}')


def test_a_malformed_openpose_json_is_reported_and_the_rest_written(tmp_path):
    _openpose_inputs(tmp_path / 'in')
    out, logs = str(tmp_path / 'ann.pkl'), []
    rep = run_extraction(discover_inputs(str(tmp_path / 'in')), out, None, opts(img_shape=(480, 640)),
                         log=logs.append)
    assert [a['frame_dir'] for a in safe_load_pickle(out)['annotations']] == ['good']
    assert dict(rep.skipped) == {'unreadable (ValueError)': 1} and rep.examples['unreadable (ValueError)'] == 'bad'
    assert logs == [f'skipped bad: {tmp_path}/in/bad/bad_000000000000_keypoints.json: person 0: expected an '
                    'object with pose_keypoints_2d, got int']


def test_an_unexpected_error_of_one_input_is_reported_and_counted(tmp_path, monkeypatch):
    """Any exception type (here an importer bug, simulated) skips that input only; the summary counts it."""
    import mg_posec3d.pose.runner as runner

    _openpose_inputs(tmp_path / 'in')
    (tmp_path / 'in' / 'bad' / 'bad_000000000000_keypoints.json').write_text('{"people": []}')
    real = runner.load_record

    def load_record(item, img_shape=None):
        if item.name == 'bad':
            raise AttributeError("'int' object has no attribute 'get'")
        return real(item, img_shape)
    monkeypatch.setattr(runner, 'load_record', load_record)
    out, logs = str(tmp_path / 'ann.pkl'), []
    rep = run_extraction(discover_inputs(str(tmp_path / 'in')), out, None, opts(img_shape=(480, 640)),
                         log=logs.append)
    assert [a['frame_dir'] for a in safe_load_pickle(out)['annotations']] == ['good']
    assert dict(rep.skipped) == {'failed (AttributeError)': 1}
    assert logs == [f"skipped bad: {tmp_path}/in/bad: AttributeError: 'int' object has no attribute 'get'"]
    assert 'skipped 1 x failed (AttributeError) (e.g. bad)' in rep.summary()


def test_symlink_loops_and_broken_links_in_an_input_folder_are_reported(tmp_path):
    _openpose_inputs(tmp_path / 'in')
    shutil.rmtree(tmp_path / 'in' / 'bad')
    os.symlink('loop', tmp_path / 'in' / 'loop')                       # a link to itself
    os.symlink('nowhere.mp4', tmp_path / 'in' / 'gone.mp4')            # a link to a missing file
    items = discover_inputs(str(tmp_path / 'in'))
    assert [(i.name, i.kind) for i in items] == [('gone.mp4', 'unreadable'), ('good', 'openpose_json'),
                                                 ('loop', 'unreadable')]
    out, logs = str(tmp_path / 'ann.pkl'), []
    rep = run_extraction(items, out, None, opts(img_shape=(480, 640)), log=logs.append)
    assert [a['frame_dir'] for a in safe_load_pickle(out)['annotations']] == ['good']
    assert rep.skipped['unreadable (InputReadError)'] == 2
    assert logs == [f'skipped gone.mp4: {tmp_path}/in/gone.mp4: broken symbolic link (No such file or directory)',
                    f'skipped loop: {tmp_path}/in/loop: symbolic link loop']


def test_a_looping_frame_image_is_reported_as_an_unreadable_frame(tmp_path):
    import cv2

    folder = tmp_path / 'frames'
    folder.mkdir()
    for i in (0, 2):
        cv2.imwrite(str(folder / f'img_{i}.png'), np.full((48, 64, 3), 40 * i, np.uint8))
    os.symlink('img_1.png', folder / 'img_1.png')   # loops: before, frame 2 silently became frame 1
    logs = []
    rep = run_extraction(discover_inputs(str(folder)), str(tmp_path / 'ann.pkl'), StubSpec(), opts(),
                         log=logs.append)
    (ann,) = safe_load_pickle(str(tmp_path / 'ann.pkl'))['annotations']
    assert ann['frame_inds'].tolist() == [0, 2] and rep.clips == 1
    assert logs == ['frames: 1 unreadable frame images left empty']
