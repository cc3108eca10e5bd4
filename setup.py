"""Build hook: ship configs/ and tools/ inside the package as ``mg_posec3d/.mim/{configs,tools}``.

This is OpenMMLab's layout (mmaction2 ships ``mmaction/.mim/configs``), so a user who ran ``pip install .``
finds the configs next to the installed package (``mg_posec3d.resources.configs_dir()``, or ``mim``).
Everything else is declared in setup.cfg.
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED_DIRS = ('configs', 'tools')


class BuildPyWithMim(build_py):
    """build_py that also copies configs/ and tools/ into the built package (not in editable mode: there
    ``configs_dir()`` finds them beside the package in the source checkout)."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        for name in SHIPPED_DIRS:
            src = os.path.join(HERE, name)
            dst = os.path.join(self.build_lib, 'mg_posec3d', '.mim', name)
            if os.path.isdir(dst):
                shutil.rmtree(dst)  # a stale build/ must not keep configs deleted since
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.py[co]'))


setup(cmdclass={'build_py': BuildPyWithMim})
