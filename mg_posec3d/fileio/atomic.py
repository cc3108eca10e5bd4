"""Output files: refuse to replace existing ones unless asked, and write them atomically.

Every file the package and the tools write goes through here: one helper (also for overlay videos, through
``pose.visualize.VideoWriter``, and mmengine's checkpoints, through the wrapper in ``compat``).
``check_outputs`` is called with *all* the paths a command will write before any slow work starts (a model test,
an extraction), so a refusal costs nothing and leaves every existing file untouched. ``atomic_path`` /
``atomic_open`` write to a temporary file in the target's folder and rename it over the target only once it is
complete: a crash, a full disk or Ctrl-C leaves either the old file or the new one, never half of one.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO


class OutputExistsError(FileExistsError):
    """An output path is taken (an existing file without ``--overwrite``, a folder, or a file where a folder
    is needed)."""


def _preview(paths: list[str], n: int = 4) -> str:
    more = f' and {len(paths) - n} more' if len(paths) > n else ''
    return ', '.join(paths[:n]) + more


def _blocking_ancestor(path: str) -> str | None:
    """The nearest existing ancestor folder of ``path`` if it is a file (then ``path`` cannot be created)."""
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        up = os.path.dirname(parent)
        if up == parent:
            return None
        parent = up
    return None if os.path.isdir(parent) else parent


def check_outputs(files: Iterable[str | os.PathLike], overwrite: bool = False,
                  folders: Iterable[str | os.PathLike] = ()) -> None:
    """Raise ``OutputExistsError`` unless every path in ``files`` can be written as a file and every path in
    ``folders`` can be used as a folder. An existing file in ``files`` is allowed only with ``overwrite``;
    a folder where a file goes (or a file where a folder goes) is never allowed."""
    files = [os.fspath(p) for p in files]
    for d in map(os.fspath, folders):
        if os.path.exists(d) and not os.path.isdir(d):
            raise OutputExistsError(f'{d} is a file, not a folder; give a folder path')
        if _blocking_ancestor(d):
            raise OutputExistsError(f'{_blocking_ancestor(d)} is a file, so the folder {d} cannot be created')
    for p in files:
        if os.path.isdir(p):
            raise OutputExistsError(f'{p} is a folder; give a file path')
        if _blocking_ancestor(p):
            raise OutputExistsError(f'{_blocking_ancestor(p)} is a file, so {p} cannot be created')
    existing = list(dict.fromkeys(p for p in files if os.path.exists(p)))
    if existing and not overwrite:
        if len(existing) == 1:
            raise OutputExistsError(f'{existing[0]} exists; pass --overwrite to replace it')
        raise OutputExistsError(f'{len(existing)} output files exist: {_preview(existing)}; pass --overwrite to '
                                'replace them')


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path next to ``path`` (same extension, so writers that choose a format by it, such
    as video writers, still work); on success it is renamed over ``path``, on any failure removed."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', suffix='.tmp' + suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:  # also KeyboardInterrupt: never leave the temporary file behind
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = 'wb', **kwargs) -> Iterator[IO]:
    """``open(path, mode)`` for writing, made atomic with :func:`atomic_path`."""
    if not mode.startswith('w'):
        raise ValueError(f'atomic_open writes whole files (mode "w..."), got mode {mode!r}')
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as f:
        yield f
