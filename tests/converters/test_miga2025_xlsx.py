"""MiGA 2025 ``<id>_openpose.xlsx`` import. The xlsx files are fixtures written by the test with openpyxl
(generated numbers in the assumed layout: one row per frame, 137 x (x, y, c)), not challenge data."""
import numpy as np
import pytest

from mg_posec3d.converters.miga2025_xlsx import ROW_VALUES, load_miga2025_xlsx
from mg_posec3d.layouts import MIGA22

openpyxl = pytest.importorskip('openpyxl')


def frame_values(t):
    """137 generated points: point k at (k + t, 2k), confidence 0.5 (0 for the face block 25..94)."""
    vals = []
    for k in range(137):
        vals += [float(k + t), float(2 * k), 0.0 if 25 <= k < 95 else 0.5]
    return vals


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_rows_with_header_and_frame_index(tmp_path):
    path = tmp_path / '0007_openpose.xlsx'
    header = ['frame'] + [f'{a}{k}' for k in range(137) for a in ('x', 'y', 'c')]
    write_xlsx(path, [header] + [[t] + frame_values(t) for t in range(3)])
    rec = load_miga2025_xlsx(str(path))
    assert rec.name == '0007' and rec.img_shape == (720, 1280) and rec.num_frames == 3
    assert rec.source == 'openpose_body25_face_hands'
    from mg_posec3d.pose.record import to_miga22
    kp, sc = to_miga22(rec)
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


def test_plain_rows_and_empty_cells(tmp_path):
    path = tmp_path / 'x.xlsx'
    row = frame_values(0)
    row[3 * 4: 3 * 4 + 3] = [None, None, None]   # RWrist cells left empty: "not detected"
    write_xlsx(path, [row, frame_values(1)])
    rec = load_miga2025_xlsx(str(path), img_shape=(1080, 1920))
    assert rec.num_frames == 2 and rec.img_shape == (1080, 1920) and rec.name == 'x'
    assert rec.score[0, 4] == 0 and rec.score[1, 4] == 0.5


@pytest.mark.parametrize('rows,match', [
    ([[1.0] * (ROW_VALUES - 3)], 'row 1 has 408 values; expected 411'),
    ([frame_values(0), frame_values(1)[:100] + ['oops'] + frame_values(1)[101:]], 'row 2, column 101'),
    ([['only', 'a', 'header']], 'no data rows'),
])
def test_errors_name_file_and_row(tmp_path, rows, match):
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


def test_tool_reads_a_folder_of_xlsx(tmp_path):
    from mg_posec3d.fileio import safe_load_pickle
    from tools.extract_pose import main

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
