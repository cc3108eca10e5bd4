"""mg_posec3d: micro-gesture recognition with PoseC3D, as an mmaction2 plugin.

Importing the package applies the upstream fixes (``mg_posec3d.compat``) and registers its datasets,
transforms and models into mmaction2's registries; configs load it with
``custom_imports = dict(imports=['mg_posec3d'], allow_failed_imports=False)``.
"""
from . import compat

compat.apply()

from . import datasets, evaluation, models  # noqa: E402,F401  (registers modules)

__version__ = '0.1.0'
