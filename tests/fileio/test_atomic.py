"""fileio.atomic: existing outputs are refused unless overwrite, and writes are all-or-nothing."""
import os
import stat

import numpy as np
import pytest

from mg_posec3d.fileio import OutputExistsError, atomic_open, atomic_path, check_outputs, save_scores


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'out.json'
    path.write_text('old')
    with pytest.raises(RuntimeError, match='disk full'):
        with atomic_open(path, 'w') as f:
            f.write('half of the new')
            raise RuntimeError('disk full')
    assert path.read_text() == 'old'
    assert os.listdir(tmp_path) == ['out.json']


def test_interrupt_leaves_no_temporary(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / 'sub' / 'video.mp4') as tmp:
            assert tmp.endswith('.mp4') and os.path.dirname(tmp) == str(tmp_path / 'sub')  # same folder, same ext
            raise KeyboardInterrupt
    assert os.listdir(tmp_path / 'sub') == []


def test_success_replaces_with_usual_permissions(tmp_path):
    path = tmp_path / 'a' / 'b.bin'  # folders are created
    with atomic_open(path, 'wb') as f:
        f.write(b'new')
    assert path.read_bytes() == b'new'
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    with pytest.raises(ValueError, match='mode "w..."'):
        with atomic_open(path, 'ab'):
            pass


def test_save_scores_writes_exactly_the_path_given(tmp_path):
    # np.savez on a file name appends .npz; through atomic_open the dump lands on the path asked for
    path = save_scores(tmp_path / 'scores', ['a'], np.ones((1, 2)) / 2)
    assert os.listdir(tmp_path) == ['scores'] and path == str(tmp_path / 'scores')


def test_check_outputs(tmp_path):
    a, b, c = (tmp_path / n for n in ('a.npz', 'b.csv', 'c.png'))
    check_outputs([a, b, c])  # nothing exists: fine
    a.write_text('x')
    with pytest.raises(OutputExistsError, match=r'^.*a\.npz exists; pass --overwrite to replace it$'):
        check_outputs([a, b])
    b.write_text('x')
    with pytest.raises(FileExistsError, match=r'2 output files exist: .*a\.npz, .*b\.csv; pass --overwrite to '
                                              r'replace them'):
        check_outputs([a, b, c])
    check_outputs([a, b, c], overwrite=True)
    # a folder where a file goes, a file where a folder goes: refused even with overwrite
    with pytest.raises(OutputExistsError, match='is a folder; give a file path'):
        check_outputs([tmp_path], overwrite=True)
    with pytest.raises(OutputExistsError, match=r'a\.npz is a file, so .*x\.json cannot be created'):
        check_outputs([a / 'sub' / 'x.json'], overwrite=True)
    with pytest.raises(OutputExistsError, match=r'b\.csv is a file, not a folder'):
        check_outputs([], overwrite=True, folders=[b])
