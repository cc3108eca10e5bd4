"""The sequence format, its converters and the training windows, on the shipped real reach-to-grasp trials."""
import math
import os

import numpy as np
import pytest

from mg_posec3d.fileio import safe_load_pickle
from mg_posec3d.spotting.sequences import (
    SequenceError,
    frames_to_rows,
    join_by,
    join_sequences,
    load_sequences,
    read_segment_csv,
    rows_to_frames,
    save_sequences,
    write_segment_csv,
)
from mg_posec3d.spotting.windows import frame_labels, make_window_dataset, window_rows
from tests.conftest import REPO, SAMPLE

TRIALS = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_trials', 'rtg_trials_miga22_30fps.pkl.gz')


@pytest.fixture(scope='module')
def trials():
    return load_sequences(TRIALS)


def test_shipped_trials_agree_with_the_shipped_clips(trials):
    """Oracle: the bundled sample's clips (rtg_miga22.pkl, made separately from the upstream segment files) are
    original frames max(0, onset - 15) .. end + 15 of each trial; our row k is original frame 2k. Every shared
    frame must be identical, and the segment must be the kept frames inside onset..end with the clip's label."""
    clips = {a['frame_dir']: a for a in safe_load_pickle(SAMPLE)['annotations']}
    assert len(trials.sequences) == 715 == len(clips) and not trials.skipped
    assert trials.label_names == ['small', 'medium', 'large']
    compared = 0
    for seq in trials.sequences:
        clip = clips[seq['frame_dir']]
        onset, end = seq['source_onset_frame'], seq['source_end_frame']
        assert seq['source_step'] == 2
        assert seq['segments'] == [(clip['label'], math.ceil(onset / 2), end // 2)]
        c0 = max(0, onset - 15)
        rows = [k for k in range(seq['keypoint'].shape[1]) if 0 <= 2 * k - c0 < clip['keypoint'].shape[1]]
        src = [2 * k - c0 for k in rows]
        np.testing.assert_array_equal(seq['keypoint'][0, rows], clip['keypoint'][0, src].astype(np.float32))
        np.testing.assert_array_equal(seq['keypoint_score'][0, rows], clip['keypoint_score'][0, src].astype(np.float32))
        compared += len(rows)
    assert compared > 22000
    fps = [s['fps'] for s in trials.sequences]
    assert 29.5 < min(fps) and max(fps) < 31  # ~60 fps recording, every 2nd frame


def test_segment_csv_formats(tmp_path):
    # GENERATED csv files, one per format, with the conventions of each dataset
    (tmp_path / 'a_label.csv').write_text('gestureID,start,end\n3,10,20\n99,30,31\n')
    (tmp_path / 'S1_finelabels.csv').write_text('5,1,10\n17,100,120\n')
    (tmp_path / 'ours.csv').write_text('0,0,4\n2,7,7\n')
    assert read_segment_csv(str(tmp_path / 'a_label.csv'), 'imigue') == [(2, 10, 20), (31, 30, 31)]
    assert read_segment_csv(str(tmp_path / 'S1_finelabels.csv'), 'smg') == [(4, 0, 9), (16, 99, 119)]
    assert read_segment_csv(str(tmp_path / 'ours.csv')) == [(0, 0, 4), (2, 7, 7)]
    write_segment_csv(str(tmp_path / 'round.csv'), [(1, 3, 9)])
    assert (tmp_path / 'round.csv').read_text() == '1,3,9\n'
    (tmp_path / 'bad.csv').write_text('0,1,2\n1,5\n')
    with pytest.raises(SequenceError, match=r'bad\.csv: line 2: expected "label,start,end" integers'):
        read_segment_csv(str(tmp_path / 'bad.csv'))
    (tmp_path / 'back.csv').write_text('0,9,3\n')
    with pytest.raises(SequenceError, match=r'back\.csv: line 1: bad frame range start=9 end=3'):
        read_segment_csv(str(tmp_path / 'back.csv'))


def test_frames_and_rows_of_a_strided_recording():
    frame_inds = np.array([0, 3, 6, 9, 12])  # every 3rd video frame
    rows, dropped = frames_to_rows([(1, 2, 7), (0, 4, 5), (2, 12, 40)], frame_inds)
    assert rows == [(1, 1, 2), (2, 4, 4)]  # frames 3, 6 -> rows 1, 2; frame 12 -> row 4
    assert dropped == [(0, 4, 5)]  # no sampled frame in 4..5
    assert rows_to_frames(rows, frame_inds) == [(1, 3, 6), (2, 12, 12)]
    assert rows_to_frames(rows, None) == rows


def test_join_and_save_round_trip(trials, tmp_path):
    p8 = [s for s in trials.sequences if s['subject'] == 8][:3]
    joined = join_sequences(p8, 'P8_joined')
    lengths = [s['keypoint'].shape[1] for s in p8]
    assert joined['keypoint'].shape[1] == joined['total_frames'] == sum(lengths)
    offsets = np.cumsum([0] + lengths[:-1])
    assert joined['segments'] == [(lab, s + o, e + o) for seq, o in zip(p8, offsets) for lab, s, e in seq['segments']]
    np.testing.assert_array_equal(joined['keypoint'][:, offsets[1]:offsets[2]], p8[1]['keypoint'])
    assert [p[1] for p in joined['joined_from']] == offsets.tolist()
    assert [j['frame_dir'] for j in join_by(p8, 'subject')] == ['subject8_joined']
    path = str(tmp_path / 'joined.pkl.gz')
    save_sequences(dict(annotations=[joined], label_names=trials.label_names), path)
    back = load_sequences(path)
    assert back.sequences[0]['segments'] == joined['segments']
    np.testing.assert_array_equal(back.sequences[0]['keypoint'], joined['keypoint'])


def test_bad_segments_skip_only_that_sequence(trials, tmp_path):
    good, bad = dict(trials.sequences[0]), dict(trials.sequences[1])
    bad['segments'] = [(0, 5, 10_000)]
    path = str(tmp_path / 'two.pkl')
    save_sequences(dict(annotations=[good, bad]), path)
    loaded = load_sequences(path)
    assert [s['frame_dir'] for s in loaded.sequences] == [good['frame_dir']]
    (name, reason), = loaded.skipped
    assert name == bad['frame_dir']
    assert f"two.pkl: sequence '{name}': field 'segments[0]': frames 5..10000 are not within the sequence" in reason


def test_windows_are_labelled_by_their_centre_frame(trials):
    assert window_rows(1, 6, 10).tolist() == [0, 0, 0, 1, 2, 3]  # starts at 1 - 3, clamped to frame 0
    assert window_rows(9, 4, 10).tolist() == [7, 8, 9, 9]
    seqs = [s for s in trials.sequences if s['subject'] == 1][:20]
    data = make_window_dataset({'train': seqs}, trials.label_names, window=32, pos_per_segment=3,
                               bg_per_sequence=3, ignore=2, seed=0)
    assert data['label_names'] == ['small', 'medium', 'large', 'background'] and data['background_class'] == 3
    by_name = {s['frame_dir']: s for s in seqs}
    counts = np.zeros(4, int)
    for ann in data['annotations']:
        seq = by_name[ann['sequence']]
        (label, start, end), = seq['segments']
        c = ann['centre']
        expected = label if start <= c <= end else 3
        assert ann['label'] == expected == frame_labels(seq['keypoint'].shape[1], seq['segments'], 3)[c]
        assert min(abs(c - start), abs(c - end)) > 2  # not at an ambiguous boundary
        np.testing.assert_array_equal(ann['keypoint'], seq['keypoint'][:, window_rows(c, 32, len(seq['keypoint'][0]))]
                                      .astype(np.float16))
        counts[ann['label']] += 1
    assert counts[3] == 60 and counts[:3].sum() == 60  # 3 + 3 per sequence
    assert len(set(data['split']['train'])) == len(data['annotations']) == 120


def test_windows_across_cuts_show_the_end_of_one_sequence_and_the_start_of_the_next(trials):
    seqs = [s for s in trials.sequences if s['subject'] == 2][:3] + [s for s in trials.sequences
                                                                     if s['subject'] == 3][:1]
    plain = make_window_dataset({'train': seqs}, trials.label_names, window=16, seed=0)
    data = make_window_dataset({'train': seqs}, trials.label_names, window=16, seed=0, across_cuts=4)
    assert [a['frame_dir'] for a in data['annotations'] if '+' not in a['frame_dir']] == [
        a['frame_dir'] for a in plain['annotations']]  # the usual windows are unchanged
    cuts = [a for a in data['annotations'] if '+' in a['frame_dir']]
    # 4 per sequence followed by one of the same subject: 2 cuts (the subject-3 sequence is not joined to)
    assert len(cuts) == 8 and {a['sequence'] for a in cuts} == {
        f"{seqs[0]['frame_dir']}+{seqs[1]['frame_dir']}", f"{seqs[1]['frame_dir']}+{seqs[2]['frame_dir']}"}
    for a in cuts:
        first, second = (next(s for s in seqs if s['frame_dir'] == n) for n in a['sequence'].split('+'))
        t = first['keypoint'].shape[1]
        c = a['centre']
        assert t - 8 <= c < t + 8  # the window [c - 8, c + 7] crosses the cut between rows t - 1 and t
        rows = np.arange(c - 8, c + 8)
        expected = np.concatenate([first['keypoint'][:, rows[rows < t]], second['keypoint'][:, rows[rows >= t] - t]],
                                  axis=1)
        np.testing.assert_array_equal(a['keypoint'], expected.astype(np.float16))
        (la, sa, ea), = first['segments']
        (lb, sb, eb), = second['segments']
        in_seg = la if sa <= c <= ea else lb if sb <= c - t <= eb else 3
        assert a['label'] == in_seg


def test_window_pickle_trains_through_the_normal_dataset(trials, tmp_path):
    """The windows file is a normal pose pickle: MGPoseDataset (what tools/train.py builds) reads it with the
    shipped 4-class label vectors."""
    from mmaction.registry import DATASETS

    from mg_posec3d.fileio import save_pickle

    seqs = [s for s in trials.sequences if s['subject'] == 7][:4]
    path = str(tmp_path / 'w.pkl')
    save_pickle(make_window_dataset({'train': seqs}, trials.label_names, window=32), path)
    emb = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_trials', 'rtg_spotting_glove50.npy')
    ds = DATASETS.build(dict(type='MGPoseDataset', ann_file=path, pipeline=[], split='train', num_classes=4,
                             label_embeddings=emb))
    assert len(ds) == 16 and ds.metainfo['classes'] == ('small', 'medium', 'large', 'background')
    first = ds.get_data_info(0)
    np.testing.assert_array_equal(first['label_embedding'], np.load(emb)[first['label']])
    # rows 0-2 are the bundled sample's vectors (the same GloVe words)
    np.testing.assert_array_equal(np.load(emb)[:3], np.load(SAMPLE.replace('rtg_miga22.pkl', 'rtg_glove50.npy')))


def test_miga_raw_folders_become_sequences_whose_segments_are_the_track1_clips(tmp_path):
    """GENERATED raw iMiGUE-style folder (tests/converters/test_miga.py's writer); oracle: the track-1 clip
    converter cuts exactly the rows of our segments."""
    from mg_posec3d.converters.miga import convert_raw_folder
    from mg_posec3d.converters.pyskl import ConversionReport
    from mg_posec3d.spotting.convert import from_miga_raw
    from tests.converters.test_miga import _write_raw

    _write_raw(tmp_path, 'v001', 40, labels=[(3, 105, 114), (99, 120, 129)], start_frame=100)
    _write_raw(tmp_path, 'v002', 12)  # no label csv: a sequence without segments
    report = ConversionReport()
    seqs = {a['frame_dir']: a for a in from_miga_raw(str(tmp_path), report)['annotations']}
    assert seqs['v001']['segments'] == [(2, 5, 14), (31, 20, 29)]  # frames 105..114 are rows 5..14
    assert seqs['v001']['frame_inds'].tolist() == list(range(100, 140)) and 'segments' not in seqs['v002']
    clips = {a['frame_dir']: a for a in convert_raw_folder(str(tmp_path))}
    for k, (label, start, end) in enumerate(seqs['v001']['segments']):
        clip = clips[f'v001_{k}']
        assert clip['label'] == label
        np.testing.assert_array_equal(clip['keypoint'], seqs['v001']['keypoint'][:, start:end + 1])
    out = str(tmp_path / 'seqs.pkl')
    from tools.data.convert_sequences import main
    assert main([str(tmp_path), '--from', 'miga-raw', '--out', out]) == 0
    assert load_sequences(out).sequences[0]['segments'] == [(2, 5, 14), (31, 20, 29)]


def test_pose_pickle_plus_smg_label_files(trials, tmp_path):
    """Two real trials as an extract_pose-style pickle sampled every 2nd video frame (frame_inds 0, 2, 4, ...),
    with GENERATED SMG finelabels csv files (1-based ids and frames): segments land on the right rows."""
    from mg_posec3d.converters.pyskl import ConversionReport
    from mg_posec3d.spotting.convert import attach_segments

    annos = []
    for seq in trials.sequences[:2]:
        a = {k: v for k, v in seq.items() if k != 'segments'}
        a['frame_inds'] = np.arange(0, 2 * a['keypoint'].shape[1], 2)
        annos.append(a)
    first, second = (a['frame_dir'] for a in annos)
    os.makedirs(tmp_path / 'labels')
    (tmp_path / 'labels' / f'{first}_finelabels.csv').write_text('2,11,20\n3,31,31\n')
    report = ConversionReport()
    out = attach_segments(dict(annotations=annos), str(tmp_path / 'labels'), 'smg', report)
    # SMG frames 11..20 -> 0-based 10..19 -> rows 5..9 (frames 10, 12, .., 18); frame 31 -> 30 -> row 15
    assert out['annotations'][0]['segments'] == [(1, 5, 9), (2, 15, 15)]
    assert 'segments' not in out['annotations'][1]
    assert f'kept without segments: no label csv (e.g. {second})' in report.summary()
