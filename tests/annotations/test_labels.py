"""Label csv files (one reader, one rule per dataset format) and class-name files. The csv files are fixtures
written by the tests; the expected values are worked out by hand from each dataset's published rule."""
import pytest

from mg_posec3d.annotations import LABEL_FORMATS, class_name_table, read_class_names, read_label_csv
from mg_posec3d.converters.smg import SMG_LABELS
from mg_posec3d.embeddings import IMIGUE_LABELS


@pytest.mark.parametrize('fmt,text,expected', [
    # iMiGUE / MiGA 2023: 1-based ids, raw 99 ("illustrative") is class 31, 0-based frames; a header line is allowed
    ('imigue', 'gestureID,start,end\n1,0,4\n99,5,9\n\n31,3,3\n', [(0, 0, 4), (31, 5, 9), (30, 3, 3)]),
    # MiGA 2025 as the winners read it: 31 if raw == 99 else raw - 1; frames rows[start:end + 1]
    ('miga2025', '99,0,29\n3,30,59\n', [(31, 0, 29), (2, 30, 59)]),
    # SMG: ids 1..17 -> 0..16; frames 1-based (getSkeleton(n) is row n - 1) -> 0-based
    ('smg', '1,1,5\n17,6,10\n', [(0, 0, 4), (16, 5, 9)]),
    ('ours', '0,0,4\n40,5,9.0\n', [(0, 0, 4), (40, 5, 9)]),
])
def test_formats(tmp_path, fmt, text, expected):
    p = tmp_path / 'v_label.csv'
    p.write_text(text)
    assert read_label_csv(str(p), fmt) == expected


@pytest.mark.parametrize('fmt,text,match', [
    ('imigue', '32,3,3\n', 'line 1: gesture id 32 is outside 1..31 and not 99'),
    ('imigue', '1,0,4\n0,1,2\n', 'line 2: gesture id 0 is outside 1..31'),
    ('smg', '18,1,2\n', 'gesture id 18 is outside 1..17 '),
    ('smg', '1,0,3\n', 'start frame 0 is before the first frame \\(smg frames are 1-based\\)'),
    ('imigue', '3,5,2\n', 'bad frame range start=5 end=2'),
    ('imigue', '1,0\n', 'line 1: expected three integers'),
    ('imigue', '1,0,4\nx,1,2\n', 'line 2: expected three integers'),
    ('imigue', '1e400,0,0\n', "line 1: expected three integers \"label,start,end\", got \\['1e400', '0', '0'\\]"),
    ('imigue', '1.5,0,1\n', 'line 1: expected three integers'),
])
def test_errors_name_file_and_line(tmp_path, fmt, text, match):
    p = tmp_path / 'bad.csv'
    p.write_text(text)
    with pytest.raises(ValueError, match=match) as e:
        read_label_csv(str(p), fmt)
    assert str(e.value).startswith(str(p))


def test_unlabelled_reads_frames_only(tmp_path):
    p = tmp_path / 'test_label.csv'
    p.write_text('0,10,20\n-5,30,31\n')   # placeholder class ids of a test set
    assert read_label_csv(str(p), 'miga2025', labelled=False) == [(-1, 10, 20), (-1, 30, 31)]


def test_format_class_counts():
    assert {k: f.num_classes for k, f in LABEL_FORMATS.items()} == dict(imigue=32, miga2025=32, smg=17, ours=None)
    with pytest.raises(ValueError, match="unknown label csv format 'ntu'"):
        read_label_csv('x.csv', 'ntu')


def test_class_names_any_order_zero_or_one_based(tmp_path):
    p = tmp_path / 'names.txt'
    p.write_text('1 touch nose\n0 fold arms\n')
    assert class_name_table(p) == (['fold arms', 'touch nose'], 0)
    p.write_text('2 touch nose\n1 fold arms\n')
    assert class_name_table(p) == (['fold arms', 'touch nose'], 1)
    p.write_text('small\nmedium cube\n\n')
    assert class_name_table(p) == (['small', 'medium cube'], None)


def test_shipped_class_names():
    smg, first = class_name_table(SMG_LABELS)
    assert first == 1 and len(smg) == 17   # raw ids 1..17 as in SampleNNNN_finelabels.csv
    assert smg[0] == 'Turtling neck and shoulder' and smg[16] == 'Illustrative hand gestures'
    imigue, first = class_name_table(IMIGUE_LABELS)
    assert first == 0 and len(imigue) == 32 and imigue[31] == 'illustrative'


@pytest.mark.parametrize('text,match', [
    ('0 a\n2 b\n', r'ids must be 0\.\.1 or 1\.\.2, each once \(a permutation\); ids run 0\.\.2'),
    ('1 a\n1 b\n', 'id 1 appears twice'),
    ('0 a\nb\n', 'line 2 has no "<id> <name>" but line 1 has'),
    ('\n\n', 'no class names'),
])
def test_class_name_errors(tmp_path, text, match):
    p = tmp_path / 'names.txt'
    p.write_text(text)
    with pytest.raises(ValueError, match=match) as e:
        read_class_names(p)
    assert str(p) in str(e.value)
