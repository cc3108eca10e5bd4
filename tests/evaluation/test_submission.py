"""MiGA submission files: test ids from a real annotation file, round trips, and every refusal."""
import pickle
import zipfile

import numpy as np
import pytest

from mg_posec3d.evaluation import submission as S

IDS = ['0054_0', '0054_1', '0054_10', '0067_0']  # MiGA 2023 style <video>_<clip>
ROWS = [('0054_0', 3), ('0054_1', 0), ('0054_10', 31), ('0067_0', 7)]


def test_test_ids_from_real_annotation_file(rtg):
    ids = S.load_test_ids(rtg['path'], 'test')
    wanted = set(rtg['data']['split']['test'])
    assert ids == [i for i in rtg['order'] if i in wanted]  # annotation-file order, as datasets load them
    assert len(ids) == 88 and ids[0].startswith('P8_')
    with pytest.raises(S.SubmissionError, match="no split 'holdout'"):
        S.load_test_ids(rtg['path'], 'holdout')


def _pickle(tmp_path, obj):
    path = tmp_path / 'ann.pkl'
    path.write_bytes(pickle.dumps(obj))
    return path


def test_test_ids_refusals(tmp_path):
    anns = [dict(frame_dir=i) for i in IDS]
    assert S.load_test_ids(_pickle(tmp_path, anns), None) == IDS
    with pytest.raises(S.SubmissionError, match='more than once'):  # a truncated duplicate in the id list
        S.load_test_ids(_pickle(tmp_path, dict(split=dict(test=IDS + ['0054_1']), annotations=anns)), 'test')
    with pytest.raises(S.SubmissionError, match="ids with no annotation: '005'"):
        S.load_test_ids(_pickle(tmp_path, dict(split=dict(test=IDS[:2] + ['005']), annotations=anns)), 'test')
    with pytest.raises(S.SubmissionError, match='annotation 1: field frame_dir missing'):
        S.load_test_ids(_pickle(tmp_path, [dict(frame_dir='a'), dict(label=1)]), None)
    with pytest.raises(S.SubmissionError, match='no split dict'):
        S.load_test_ids(_pickle(tmp_path, anns), 'test')


@pytest.mark.parametrize('fmt', ['miga2023', 'miga2025'])
def test_round_trip(tmp_path, fmt):
    out = S.write_submission(ROWS, tmp_path / 'sub', fmt, IDS, 32)
    f = S.FORMATS[fmt]
    with zipfile.ZipFile(out.zip_path) as z:
        assert z.namelist() == [f.csv_name]  # at the zip root
        text = z.read(f.csv_name).decode()
    body = '0054_0,3\n0054_1,0\n0054_10,31\n0067_0,7\n'
    assert text == (body if fmt == 'miga2023' else 'Id,Target\n' + body)
    assert open(out.csv_path).read() == text
    got_fmt, rows = S.read_submission(out.zip_path)
    assert got_fmt.name == fmt and rows == ROWS
    assert S.check_submission(out.csv_path, IDS, 32, fmt) == ROWS
    assert out.label_counts == {0: 1, 3: 1, 7: 1, 31: 1}


@pytest.mark.parametrize('rows, match', [
    (ROWS[:3], "1 of 4 test ids have no row: '0067_0'"),
    (ROWS + [('0099_0', 1)], "not test ids: '0099_0'"),
    (ROWS + [('0054_1', 0)], "more than one row: '0054_1'"),
    # the MiGA 2023 winners' list: a truncated id ('0054_1' for '0054_10') -> one missing, one duplicated
    (ROWS[:2] + [('0054_1', 31)] + ROWS[3:], "(?s)have no row: '0054_10'.*more than one row: '0054_1'"),
    ([ROWS[0], ('0054_1', 32)] + ROWS[2:], r"outside \[0, 32\): row 2 \('0054_1'\): 32"),
    ([ROWS[0], ('0054_1', -1)] + ROWS[2:], 'outside'),
    ([ROWS[0], ('0054_1', 3.0)] + ROWS[2:], r"not integers: row 2 \('0054_1'\): 3.0"),
    ([ROWS[0], ('0054_1', '3')] + ROWS[2:], 'not integers'),
    ([ROWS[0], ('0054_1', True)] + ROWS[2:], 'not integers'),
])
def test_invalid_submissions_refused_and_nothing_written(tmp_path, rows, match):
    with pytest.raises(S.SubmissionError, match=match):
        S.write_submission(rows, tmp_path / 'sub', 'miga2023', IDS, 32)
    assert not (tmp_path / 'sub').exists()


def test_numpy_int_labels_accepted(tmp_path):
    rows = [(i, np.int64(k)) for i, k in ROWS]
    assert S.write_submission(rows, tmp_path, 'miga2025', IDS, 32).num_rows == 4


def test_never_overwrites_silently(tmp_path):
    S.write_submission(ROWS, tmp_path, 'miga2023', IDS, 32)
    before = (tmp_path / 'Submission.zip').read_bytes()
    changed = [(i, 1) for i, _ in ROWS]
    with pytest.raises(FileExistsError, match='2 output files exist: .*Submission.csv, .*Submission.zip; pass '
                                              '--overwrite to replace them'):
        S.write_submission(changed, tmp_path, 'miga2023', IDS, 32)
    assert (tmp_path / 'Submission.zip').read_bytes() == before
    S.write_submission(changed, tmp_path, 'miga2023', IDS, 32, overwrite=True)
    assert S.read_submission(tmp_path / 'Submission.zip')[1] == changed


def _zip(path, members):
    with zipfile.ZipFile(path, 'w') as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def test_reader_refuses_malformed_files(tmp_path):
    ok = '0054_0,3\n0054_1,0\n0054_10,31\n0067_0,7\n'
    with pytest.raises(S.SubmissionError, match='exactly one csv at its root'):
        S.read_submission(_zip(tmp_path / 'a.zip', {'Submission.csv': ok, 'notes.txt': 'x'}))
    with pytest.raises(S.SubmissionError, match="cannot tell the format from 'out/Submission.csv'"):
        S.read_submission(_zip(tmp_path / 'b.zip', {'out/Submission.csv': ok}))
    with pytest.raises(S.SubmissionError, match="header 'Id,Target'"):
        S.read_submission(_zip(tmp_path / 'c.zip', {'prediction.csv': ok}))
    with pytest.raises(S.SubmissionError, match='byte-order mark'):
        S.read_submission(_zip(tmp_path / 'd.zip', {'Submission.csv': '\ufeff' + ok}))
    with pytest.raises(S.SubmissionError, match='line 2: expected 2 comma-separated'):
        S.read_submission(_zip(tmp_path / 'e.zip', {'Submission.csv': '0054_0,3\n0054_1;0\n'}))
    # a header in the headerless 2023 format reads as a row whose id is not a test id and label not an int
    _zip(tmp_path / 'f.zip', {'Submission.csv': 'Id,Target\n' + ok})
    with pytest.raises(S.SubmissionError, match="(?s)not test ids: 'Id'.*not integers: row 1"):
        S.check_submission(tmp_path / 'f.zip', IDS, 32)
    with pytest.raises(S.SubmissionError, match='miga2025 expects'):
        S.read_submission(_zip(tmp_path / 'g.zip', {'Submission.csv': ok}), 'miga2025')


def test_rows_from_scores_order_and_coverage():
    scores = np.eye(32)[[7, 3, 0, 31]]
    ids = ['0067_0', '0054_0', '0054_1', '0054_10']  # another order than the test list
    assert S.rows_from_scores(ids, scores, IDS) == ROWS
    with pytest.raises(S.SubmissionError, match="(?s)1 test ids without scores: '0067_0'.*1 scored ids"):
        S.rows_from_scores(['0099_0'] + ids[1:], scores, IDS)


def test_topk_csv_hand_checked(tmp_path):
    scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    path = S.write_topk_csv(tmp_path / 'top2.csv', ['a', 'b'], scores, 2, ['small', 'medium', 'large'])
    assert open(path).read().splitlines() == [
        'id,top1,top2,p1,p2,top1_name', 'a,1,2,0.700000,0.200000,"medium"', 'b,0,2,0.500000,0.300000,"small"']
    with pytest.raises(FileExistsError, match='top2.csv exists; pass --overwrite to replace it'):
        S.write_topk_csv(path, ['a', 'b'], scores, 2)
    with pytest.raises(S.SubmissionError, match='--topk must be in'):
        S.write_topk_csv(tmp_path / 'x.csv', ['a', 'b'], scores, 4)
