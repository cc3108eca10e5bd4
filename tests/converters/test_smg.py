"""SMG (Kinect v2) import: the published file format, the pinhole projection worked by hand, clips and long sequences
with segments, the two split protocols, and the kinect25 configs training one iteration. Sample folders are written
by the tests in the exact published format with generated values (tests/converters/smg_fixture.py)."""
import json
import os

import numpy as np
import pytest

from mg_posec3d.annotations import ConversionReport
from mg_posec3d.converters.smg import KINECT_DEPTH, convert_smg, load_smg_sample, project, read_skeleton_csv
from mg_posec3d.fileio import safe_load_pickle
from mg_posec3d.layouts import KINECT25
from tests.conftest import REPO
from tests.converters.smg_fixture import COLOUR, COLOUR_SHIFT, camera_points, pinhole, write_sample
from tools.data.convert_smg import main as convert_smg_tool
from tools.train import main as train


def test_projection_worked_by_hand():
    # u = cx + fx X / Z, v = cy - fy Y / Z with the depth camera's fx = fy = 365, cx = 256, cy = 212
    uv, valid = project(np.array([[0.5, 0.25, 2.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]), KINECT_DEPTH)
    assert uv[0].tolist() == [256 + 365 * 0.25, 212 - 365 * 0.125] and uv[1].tolist() == [256, 212]
    assert valid.tolist() == [True, True, False] and uv[2].tolist() == [0, 0]   # Kinect writes 0, 0, 0 untracked


def test_reader_uses_x_y_z_and_marks_untracked_frames(tmp_path):
    folder = write_sample(str(tmp_path), 1, frames=10, untracked=(4,))
    arr = read_skeleton_csv(os.path.join(folder, 'Sample0001_skeleton.csv'))
    assert arr.shape == (10, 25, 11)
    rec = load_smg_sample(folder)
    assert rec.name == 'Sample0001' and rec.source == 'kinect_v2' and rec.img_shape == (424, 512)
    assert rec.fps == 30 and rec.frame_inds.tolist() == list(range(10))
    head = KINECT25.index('Head')
    x, y, z = camera_points(7, 10)[head]
    np.testing.assert_allclose(rec.keypoint[7, head], [256 + 365 * x / z, 212 - 365 * y / z], atol=1e-3)
    assert (rec.score[4] == 0).all() and (rec.score[np.arange(10) != 4] == 1).all()
    # the colour pixel columns [9:11] are taken as they are when asked (here: colour projection + (3, -2))
    col = load_smg_sample(folder, 'colour-pixels')
    assert col.img_shape == (1080, 1920)
    np.testing.assert_allclose(col.keypoint[7], pinhole(camera_points(7, 10), COLOUR) + COLOUR_SHIFT, atol=1e-3)
    np.testing.assert_allclose(load_smg_sample(folder, 'colour').keypoint[7], pinhole(camera_points(7, 10), COLOUR),
                               atol=1e-3)


@pytest.mark.parametrize('row,match', [
    ('1,2,3\n', r'Sample0001_skeleton\.csv: line 1 has 3 values; expected 275'),
    (','.join(['0.5'] * 274 + ['x']) + '\n', r'line 1, column 275: .x. is not a number \(the skeleton csv has no '),
])
def test_bad_skeleton_rows_name_file_line_and_column(tmp_path, row, match):
    folder = write_sample(str(tmp_path), 1, frames=3)
    with open(os.path.join(folder, 'Sample0001_skeleton.csv'), 'w') as f:
        f.write(row)
    with pytest.raises(ValueError, match=match):
        load_smg_sample(folder)


def test_clips_and_sequences_with_the_paper_protocol(tmp_path):
    root = str(tmp_path)
    write_sample(root, 1, frames=40, labels=[(6, 5, 20), (17, 25, 34)])
    write_sample(root, 2, frames=30, labels=[(1, 1, 30), (3, 31, 40)])   # the second label lies past the end
    write_sample(root, 36, frames=20, labels=None)                        # no finelabels: sequence only
    (tmp_path / 'Sample0003').mkdir()                                      # no skeleton csv
    report = ConversionReport()
    clips, seqs = convert_smg(root, 'paper', report=report, label_names=[f'c{i}' for i in range(17)])
    assert clips['split'] == {'train': ['Sample0001_0', 'Sample0001_1', 'Sample0002_0'], 'test': []}
    assert seqs['split'] == {'train': ['Sample0001', 'Sample0002'], 'test': ['Sample0036']}
    assert clips['layout'] == seqs['layout'] == 'kinect25' and clips['label_names'][16] == 'c16'
    by_id = {a['frame_dir']: a for a in clips['annotations']}
    # label 6 -> class 5; 1-based frames 5..20 -> frame_inds 4..19 (16 frames)
    c = by_id['Sample0001_0']
    assert c['label'] == 5 and c['total_frames'] == 16 and c['frame_inds'].tolist() == list(range(4, 20))
    assert c['keypoint'].shape == (1, 16, 25, 2) and by_id['Sample0001_1']['label'] == 16
    seq = {a['frame_dir']: a for a in seqs['annotations']}
    assert seq['Sample0001']['segments'] == [(5, 4, 19), (16, 24, 33)] and seq['Sample0001']['total_frames'] == 40
    assert seq['Sample0002']['segments'] == [(0, 0, 29)] and 'segments' not in seq['Sample0036']
    np.testing.assert_array_equal(seq['Sample0001']['keypoint'][0, 4:20], c['keypoint'][0])
    reasons = '\n'.join(report.skipped)
    assert 'clip frames 30..39 outside the sampled video frames' in reasons
    assert 'no finelabels csv' in reasons and 'Sample0003_skeleton.csv' in reasons


def test_tool_miga_protocol_and_a_seeded_validation_split(tmp_path, capsys):
    root = tmp_path / 'smg'
    for n in (1, 2, 3, 31, 36):
        write_sample(str(root), n, frames=30)
    out, seq = tmp_path / 'c.pkl', tmp_path / 's.pkl'
    assert convert_smg_tool([str(root), '--protocol', 'miga', '--out', str(out), '--sequences-out', str(seq)]) == 0
    assert safe_load_pickle(out)['split']['val'] == ['Sample0031_0', 'Sample0031_1']
    assert convert_smg_tool([str(root), '--out', str(out), '--sequences-out', str(seq), '--num-val-videos', '1',
                      '--overwrite']) == 0
    printed = capsys.readouterr().out
    clips, seqs = safe_load_pickle(out), safe_load_pickle(seq)
    (moved,) = seqs['split']['val']
    assert clips['split']['val'] == [f'{moved}_0', f'{moved}_1'] and moved not in seqs['split']['train']
    assert not any(c.startswith(moved) for c in clips['split']['train'])
    assert f'val: 2 clips of 1 whole videos moved out of train ({moved})' in printed


@pytest.mark.slow
@pytest.mark.parametrize('config', ['joint', 'limb'])
def test_kinect25_configs_train_one_iteration(tmp_path, config, one_torch_thread):
    root = tmp_path / 'smg'
    for n in (1, 31):
        write_sample(str(root), n, frames=30)
    ann = tmp_path / 'smg.pkl'
    assert convert_smg_tool([str(root), '--protocol', 'miga', '--out', str(ann)]) == 0
    emb = tmp_path / 'emb.npy'
    np.save(emb, np.random.default_rng(0).normal(size=(17, 300)).astype(np.float32))   # generated vectors
    opts = ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
            'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=1']
    for key in ('train', 'val', 'test'):
        opts += [f'{key}_dataloader.dataset.ann_file={ann}', f'{key}_dataloader.dataset.label_embeddings={emb}',
                 f'{key}_dataloader.num_workers=0', f'{key}_dataloader.persistent_workers=False',
                 f'{key}_dataloader.dataset.pipeline.0.clip_len=8']
    work = tmp_path / 'work'
    assert train([os.path.join(REPO, 'configs', 'smg', f'{config}.py'), '--work-dir', str(work),
                                '--cfg-options', *opts]) == 0
    logs = [json.loads(line) for p in work.glob('*/vis_data/scalars.json') for line in open(p)]
    losses = [r['loss'] for r in logs if 'loss' in r]
    assert len(losses) == 1 and np.isfinite(losses[0])    # 2 training clips, batch 2: one iteration
    assert any('acc/top1' in r for r in logs)              # validated on Sample0031's clips
