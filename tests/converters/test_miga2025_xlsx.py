"""MiGA 2025 track 1: ``<id>_openpose.xlsx`` + ``<id>_label.csv`` read as the winners read them (momiji-bit/MM-Gesture,
processing_Skeleton.ipynb). The xlsx and csv files are fixtures written by the tests with openpyxl in the published
format (no header row, no frame column, one frame per row, 137 x (x, y, c)); their numbers are generated."""
import numpy as np
import pytest

from mg_posec3d.annotations import ConversionReport, to_target
from mg_posec3d.converters.miga2025_xlsx import ROW_VALUES, convert_miga2025_folder, load_miga2025_xlsx
from mg_posec3d.fileio import safe_load_pickle
from mg_posec3d.layouts import MIGA22
from tools.data.convert_miga import main as convert_miga

openpyxl = pytest.importorskip('openpyxl')


def frame_values(t):
    """137 generated points: point k at (k + t, 2k), confidence 0.5 (0 for the face block 25..94)."""
    vals = []
    for k in range(137):
        vals += [float(k + t), float(2 * k), 0.0 if 25 <= k < 95 else 0.5]
    return vals


def write_xlsx(path, rows):
    """Row r of the sheet (1-based) = rows[r - 1]; None leaves a row empty."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row or [], 1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)


def test_rows_are_frames_and_points_map_to_miga22(tmp_path):
    path = tmp_path / '0007_openpose.xlsx'
    write_xlsx(path, [frame_values(t) for t in range(3)])
    rec = load_miga2025_xlsx(str(path))
    assert rec.name == '0007' and rec.img_shape == (720, 1280) and rec.num_frames == 3
    assert rec.source == 'openpose_body25_face_hands' and rec.frame_inds.tolist() == [0, 1, 2]
    kp, sc = to_target(rec)
    # body: miga22 joint <- BODY_25 index (image-left = person's right: ShoulderLeft <- RShoulder = 2)
    body = {'Nose': 0, 'ShoulderCenter': 1, 'ShoulderLeft': 2, 'ElbowLeft': 3, 'HandLeft': 4,
            'ShoulderRight': 5, 'ElbowRight': 6, 'HandRight': 7, 'EyeLeft': 15, 'EyeRight': 16,
            'EarLeft': 17, 'EarRight': 18}
    # hands: left hand block starts at 95, right hand block at 116; fingertips are hand points 4, 8, ..., 20
    fingers = {f'RightFinger{i + 1}': 116 + tip for i, tip in enumerate((4, 8, 12, 16, 20))}
    fingers.update({f'LeftFinger{i + 1}': 95 + tip for i, tip in enumerate((4, 8, 12, 16, 20))})
    for joint, k in {**body, **fingers}.items():
        assert kp[2, MIGA22.index(joint)].tolist() == [k + 2, 2 * k], joint
        assert sc[2, MIGA22.index(joint)] == pytest.approx(0.5)


def test_empty_cells_and_rows_keep_the_frame_numbering(tmp_path):
    path = tmp_path / 'x.xlsx'
    row = frame_values(0)
    row[3 * 4: 3 * 4 + 3] = [None, None, None]   # RWrist cells left empty: "not detected"
    write_xlsx(path, [row, None, frame_values(2), None, None])   # an empty row inside, two after the data
    rec = load_miga2025_xlsx(str(path), img_shape=(1080, 1920))
    assert rec.num_frames == 3 and rec.img_shape == (1080, 1920) and rec.name == 'x'
    assert rec.score[0, 4] == 0 and rec.score[0, 0] == 0.5
    assert (rec.score[1] == 0).all()                  # frame 1: no person
    assert rec.keypoint[2, 0].tolist() == [2, 0]      # frame 2 is still row 3


@pytest.mark.parametrize('rows,match', [
    ([[1.0] * (ROW_VALUES - 3)], 'row 1 has 408 values; expected 411'),
    ([[0] + frame_values(0)], r'row 1 has 412 values; expected 411 \(137 keypoints x \(x, y, confidence\), no '),
    ([['x0', 'y0', 'c0'], frame_values(0)], r"row 1, column 1: 'x0' is not a number \(the MiGA 2025 xlsx has no "),
    ([frame_values(0), frame_values(1)[:100] + ['oops'] + frame_values(1)[101:]], 'row 2, column 101'),
    ([None], 'no data rows'),
])
def test_errors_name_file_row_and_column(tmp_path, rows, match):
    path = tmp_path / 'bad_openpose.xlsx'
    write_xlsx(path, rows)
    with pytest.raises(ValueError, match=match) as e:
        load_miga2025_xlsx(str(path))
    assert 'bad_openpose.xlsx' in str(e.value)


def test_not_an_xlsx(tmp_path):
    path = tmp_path / 'fake.xlsx'
    path.write_text('plain text')
    with pytest.raises(ValueError, match='fake.xlsx: not a readable xlsx'):
        load_miga2025_xlsx(str(path))


def test_a_damaged_worksheet_is_a_clear_error(tmp_path):
    """openpyxl's read-only mode parses the sheet only when rows are read: a truncated sheet XML used to escape
    as an unnamed xml ParseError. The damaged file is made here by cutting a generated sheet in half."""
    import zipfile

    good, bad = tmp_path / 'good.xlsx', tmp_path / 'v1_openpose.xlsx'
    write_xlsx(good, [frame_values(0)])
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, 'w') as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data[:len(data) // 2] if info.filename == 'xl/worksheets/sheet1.xml' else data)
    with pytest.raises(ValueError, match=r'v1_openpose\.xlsx: not a readable xlsx file: ParseError: '):
        load_miga2025_xlsx(str(bad))


def test_tool_reads_a_folder_of_xlsx(tmp_path):
    from tools.data.extract_pose import main

    for vid in ('0001', '0002'):
        write_xlsx(tmp_path / f'{vid}_openpose.xlsx', [frame_values(t) for t in range(4)])
    out = str(tmp_path / 'ann.pkl')
    assert main([str(tmp_path), '--out', out, '--no-progress', '--keep-full']) == 0
    data = safe_load_pickle(out)
    assert [a['frame_dir'] for a in data['annotations']] == ['0001', '0002']
    a = data['annotations'][0]
    assert a['keypoint'].shape == (1, 4, 22, 2) and a['keypoint_full'].shape == (1, 4, 137, 2)
    assert a['img_shape'] == (720, 1280)
    assert np.allclose(a['keypoint'][0, :, MIGA22.index('Nose')], [[t, 0] for t in range(4)])


# ---- the challenge's folders: imigue_skeleton_{train,validate}/<id>/ (phase 1), imigue_skeleton_test/ (phase 2) ----
def write_video(folder, vid, frames, labels):
    """``<folder>/<vid>/<vid>_openpose.xlsx`` (frame t: frame_values(t + 100 * int(vid))) and its label csv."""
    d = folder / vid
    d.mkdir(parents=True)
    rows = [frame_values(t + 100 * int(vid)) for t in range(frames)]
    write_xlsx(d / f'{vid}_openpose.xlsx', rows)
    (d / f'{vid}_label.csv').write_text(''.join(f'{c},{s},{e}\n' for c, s, e in labels))
    return rows


def _convert_miga(args):
    return convert_miga([str(a) for a in args])


def test_one_command_builds_train_val_test_as_the_winners_read_them(tmp_path, capsys):
    root = tmp_path / 'MiGA'
    phase1 = root / 'imigue_data_phase1' / 'datasets'
    rows = {'0001': write_video(phase1 / 'imigue_skeleton_train', '0001', 12, [(99, 0, 3), (3, 4, 11), (5, 20, 40)]),
            '0002': write_video(phase1 / 'imigue_skeleton_train', '0002', 6, [(1, 2, 5)]),
            '0005': write_video(phase1 / 'imigue_skeleton_validate', '0005', 5, [(31, 0, 4)]),
            '0009': write_video(root / 'imigue_data_phase2' / 'imigue_skeleton_test', '0009', 5, [(0, 1, 2)])}
    out = tmp_path / 'ann.pkl'
    assert _convert_miga(['--format', 'miga2025', '--root', root, '--out', out, '--unlabelled', 'test']) == 0
    printed = capsys.readouterr().out
    assert "skipped 1 x clip frames 20..40 outside the sampled video frames (e.g. 0001_2)" in printed
    data = safe_load_pickle(out)
    assert data['split'] == {'train': ['0001_0', '0001_1', '0002_0'], 'val': ['0005_0'], 'test': ['0009_0']}
    assert data['layout'] == 'miga22' and len(data['label_names']) == 32
    nose = MIGA22.index('Nose')
    for a in data['annotations']:
        vid, k = a['frame_dir'].split('_')
        raw, start, end = {'0001_0': (99, 0, 3), '0001_1': (3, 4, 11), '0002_0': (1, 2, 5), '0005_0': (31, 0, 4),
                           '0009_0': (0, 1, 2)}[a['frame_dir']]
        # the winners' reading: label 31 if raw == 99 else raw - 1 (test: -1), frames rows[start:end + 1]
        expected_label = -1 if vid == '0009' else (31 if raw == 99 else raw - 1)
        assert a['label'] == expected_label and a['img_shape'] == a['original_shape'] == (720, 1280)
        assert a['total_frames'] == end - start + 1
        winners = np.array(rows[vid], np.float32)[start:end + 1].reshape(-1, 137, 3)
        np.testing.assert_array_equal(a['keypoint'][0, :, nose], winners[:, 0, :2])


def test_validation_videos_come_out_of_train_whole(tmp_path, capsys):
    train = tmp_path / 'imigue_skeleton_train'
    for vid in ('0001', '0002', '0003'):
        write_video(train, vid, 4, [(1, 0, 1), (2, 2, 3)])
    out = tmp_path / 'ann.pkl'
    assert _convert_miga(['--format', 'miga2025', '--split', f'train={train}', '--val-videos', '0002',
                          '--out', out]) == 0
    assert 'val: 2 clips of 1 whole videos moved out of train (0002)' in capsys.readouterr().out
    split = safe_load_pickle(out)['split']
    assert split == {'train': ['0001_0', '0001_1', '0003_0', '0003_1'], 'val': ['0002_0', '0002_1']}


def test_a_video_without_labels_or_with_a_bad_xlsx_is_skipped_and_reported(tmp_path):
    write_video(tmp_path, '0001', 4, [(1, 0, 3)])
    write_video(tmp_path, '0002', 4, [(40, 0, 3)])
    (tmp_path / '0003').mkdir()
    write_xlsx(tmp_path / '0003' / '0003_openpose.xlsx', [frame_values(0)])
    write_video(tmp_path, '0004', 4, [(1, 0, 3)])
    write_xlsx(tmp_path / '0004' / '0004_openpose.xlsx', [['frame'] + frame_values(0)])
    report = ConversionReport()
    annos = convert_miga2025_folder(str(tmp_path), report)
    assert [a['frame_dir'] for a in annos] == ['0001_0']
    assert report.clips == 1 and report.frames == 4
    reasons = '\n'.join(report.skipped)
    assert 'no 0003_label.csv next to the xlsx' in reasons
    assert '0002_label.csv: line 1: gesture id 40 is outside 1..31 and not 99' in reasons
    assert "0004_openpose.xlsx: row 1, column 1: 'frame' is not a number" in reasons
