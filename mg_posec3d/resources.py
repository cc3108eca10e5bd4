"""Where the shipped configs, tools and data are, in a source checkout and after ``pip install .``.

A wheel carries ``configs/`` and ``tools/`` as ``mg_posec3d/.mim/configs`` and ``mg_posec3d/.mim/tools``
(copied by setup.py at build time; OpenMMLab's layout, as in ``mmaction/.mim``). A source checkout or an
editable install has them beside the package. ``python -m mg_posec3d.resources configs`` prints the folder,
e.g. ``python "$(python -m mg_posec3d.resources tools)/train.py" "$(python -m mg_posec3d.resources configs)/joint.py"``.
"""
from __future__ import annotations

import os
import sys

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_CHECKOUT = os.path.dirname(PACKAGE_DIR)


def _shipped_dir(name: str) -> str:
    installed = os.path.join(PACKAGE_DIR, '.mim', name)
    if os.path.isdir(installed):
        return installed
    # a source checkout (setup.py beside the package): not some other project's top-level folder of that name
    beside = os.path.join(_CHECKOUT, name)
    if os.path.isdir(beside) and os.path.isfile(os.path.join(_CHECKOUT, 'setup.py')):
        return beside
    raise FileNotFoundError(f'mg_posec3d at {PACKAGE_DIR} has no {name}/ (neither {installed} nor a source '
                            f'checkout around it): reinstall it with `pip install .` from the repository')


def configs_dir() -> str:
    """The folder of the shipped configs (``joint.py``, ``limb.py``, ``demo/``, ...)."""
    return _shipped_dir('configs')


def tools_dir() -> str:
    """The folder of the command-line tools (``train.py``, ``test.py``, ``dist_train.sh``, ...)."""
    return _shipped_dir('tools')


def data_dir() -> str:
    """Package data: the bundled real sample (``rtg_sample/``) and the shipped label embeddings."""
    return os.path.join(PACKAGE_DIR, 'data')


def config_path(name: str) -> str:
    """Path of a shipped config by its name below configs/, e.g. ``'joint.py'`` or ``'demo/limb'``."""
    rel = name if name.endswith('.py') else name + '.py'
    path = os.path.join(configs_dir(), rel)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'no shipped config {name!r}: {path} does not exist')
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    where = {'configs': configs_dir, 'tools': tools_dir, 'data': data_dir}
    if len(argv) != 1 or argv[0] not in where:
        print(f'usage: python -m mg_posec3d.resources {{{",".join(where)}}}', file=sys.stderr)
        return 2
    try:
        print(where[argv[0]]())
    except FileNotFoundError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
