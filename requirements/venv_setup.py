"""Helpers for `make install` (stdlib and pip only; any Python >= 3.8, before anything is installed).

    python requirements/venv_setup.py lock LOCK [--without-torch] [--skip-torch-deps]
        Print the lock's requirement lines: without ``torch`` (it is installed on its own, with its own
        dependencies), and with --skip-torch-deps also without the packages the importable torch requires
        (a system torch keeps the versions it was installed with), except setuptools, our build backend.
    python requirements/venv_setup.py link-system VENV_PYTHON
        Run by the base Python (make's $(PY)): check that it imports torch, then make its site-packages
        visible to the venv of VENV_PYTHON, behind the venv's own packages (a ``.pth`` file).

Errors print one ``error: ...`` line on stderr and exit 2.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

PTH_NAME = '_mg_posec3d_system_site.pth'


class SetupError(Exception):
    """A problem the user must fix; printed as one ``error:`` line."""


def canonical(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


def requirement_name(line: str) -> str | None:
    line = line.split('#', 1)[0].strip()
    if not line:
        return None
    match = re.match(r'[A-Za-z0-9][A-Za-z0-9._-]*', line)
    return canonical(match.group(0)) if match else None


def _requirement_class():
    try:
        from packaging.requirements import Requirement
    except ImportError:  # a bare venv: pip always carries packaging
        from pip._vendor.packaging.requirements import Requirement
    return Requirement


def torch_dependencies() -> set[str]:
    """Names of the distributions the importable torch requires here (markers evaluated, no extras)."""
    from importlib.metadata import requires

    requirement = _requirement_class()
    names = set()
    for line in requires('torch') or []:
        req = requirement(line)
        if req.marker is None or req.marker.evaluate({'extra': ''}):
            names.add(canonical(req.name))
    return names


def lock_lines(lock: str, without_torch: bool, skip_torch_deps: bool) -> list[str]:
    skip = {'torch'} if without_torch or skip_torch_deps else set()
    if skip_torch_deps:
        # setuptools stays pinned: it builds our package (`pip install --no-build-isolation -e .`)
        skip |= torch_dependencies() - {'setuptools'}
    with open(lock, encoding='utf8') as f:
        return [ln.rstrip('\n') for ln in f if requirement_name(ln) and requirement_name(ln) not in skip]


def base_site_dirs() -> list[str]:
    """This interpreter's site-packages folders (a venv's own, a conda env's or the system's)."""
    import site
    import sysconfig

    dirs = [sysconfig.get_paths()['purelib'], sysconfig.get_paths()['platlib'], *site.getsitepackages()]
    if site.ENABLE_USER_SITE:  # `pip install --user torch`
        dirs.append(site.getusersitepackages())
    return list(dict.fromkeys(os.path.realpath(d) for d in dirs if os.path.isdir(d)))


def link_system(venv_python: str) -> str:
    try:
        import torch
    except ImportError as e:
        raise SetupError(f'TORCH=system but {sys.executable} cannot import torch ({e}); install your torch '
                         'build into that environment first, or use the pinned torch (plain `make install`)') from e
    venv_site = subprocess.run([venv_python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                               check=True, capture_output=True, text=True).stdout.strip()
    # addsitedir also runs the .pth files there (editable installs, nvidia libraries' paths)
    lines = [f'import site; site.addsitedir({d!r})' for d in base_site_dirs()]
    with open(os.path.join(venv_site, PTH_NAME), 'w', encoding='utf8') as f:
        f.write('\n'.join(lines) + '\n')
    return f'torch {torch.__version__} from {os.path.dirname(torch.__file__)}'


def main(argv: list[str]) -> int:
    usage = __doc__.split('\n\n')[1]
    if argv[:1] == ['lock'] and len(argv) >= 2 and set(argv[2:]) <= {'--without-torch', '--skip-torch-deps'}:
        if not os.path.isfile(argv[1]):
            print(f'error: {argv[1]}: no such lock file', file=sys.stderr)
            return 2
        print('\n'.join(lock_lines(argv[1], '--without-torch' in argv, '--skip-torch-deps' in argv)))
        return 0
    if argv[:1] == ['link-system'] and len(argv) == 2:
        try:
            print(f'using {link_system(argv[1])}')
        except SetupError as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
        return 0
    print(f'usage:\n{usage}', file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
