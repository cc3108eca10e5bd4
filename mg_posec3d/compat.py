"""Fixes for broken upstream packages, applied once on ``import mg_posec3d``.

Each fix checks whether upstream is already fine and then does nothing. Every fix has a test in
``tests/test_compat.py``. Pinned versions: see ``requirements/lock.txt``.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import types
import warnings

APPLIED: list[str] = []


def _package_dir(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def fix_mmaction_drn() -> bool:
    """mmaction2 1.2.0 wheels/sdist lack ``models/localizers/drn`` (upstream has no ``__init__.py`` there)
    while ``localizers/__init__.py`` imports it, so ``import mmaction.models`` fails.

    We register a placeholder package whose ``DRN`` raises a clear error when used.
    """
    root = _package_dir('mmaction')
    if root is None or os.path.exists(os.path.join(root, 'models', 'localizers', 'drn', 'drn.py')):
        return False
    if 'mmaction.models.localizers.drn' in sys.modules:
        return False

    class DRN:  # noqa: D401 - placeholder
        """Placeholder: the DRN localizer is missing from the installed mmaction2 package."""

        def __init__(self, *args, **kwargs):
            raise ImportError('mmaction2 was installed without models/localizers/drn; DRN is unavailable.')

    pkg = types.ModuleType('mmaction.models.localizers.drn')
    pkg.__path__ = []  # mark as package
    mod = types.ModuleType('mmaction.models.localizers.drn.drn')
    mod.DRN = DRN
    pkg.drn = mod
    sys.modules[pkg.__name__] = pkg
    sys.modules[mod.__name__] = mod
    return True


def mmengine_checkpoint_globals() -> list:
    """The plain-data classes mmengine 0.10.x writes into its checkpoints (message hub history, numpy
    scalars from metrics), which torch >= 2.6 refuses under its default ``weights_only=True``."""
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer

    allowed: list = [HistoryBuffer, np.dtype, np.ndarray, np.core.multiarray.scalar,
                     np.core.multiarray._reconstruct]
    allowed += [type(np.dtype(t)) for t in ('float16', 'float32', 'float64', 'int32', 'int64', 'bool',
                                            'uint8', 'int8', 'int16')]
    from _codecs import encode  # str -> bytes for numpy pickles: allowed by default from torch 2.5, not in 2.4
    return allowed + [encode]


def fix_torch_weights_only() -> bool:
    """torch >= 2.6 loads with ``weights_only=True`` and mmengine 0.10.7 cannot then load or resume its own
    checkpoints. Instead of falling back to full (code-executing) unpickling we allow-list the few
    data-only classes mmengine stores, so checkpoints stay loaded with ``weights_only=True``."""
    import torch

    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:  # torch < 2.4: no weights_only default, nothing to fix
        return False
    current = set(map(id, torch.serialization.get_safe_globals()))
    missing = [g for g in mmengine_checkpoint_globals() if id(g) not in current]
    if not missing:
        return False
    add(missing)
    return True


def fix_history_buffer_pickle() -> bool:
    """mmengine's ``HistoryBuffer.__getstate__`` stores its statistics *functions* (pickled through
    ``getattr``), so every checkpoint with a message hub needs full unpickling to resume. Allow-listing
    ``getattr`` would let a pickle reach any function; instead buffers are written without the built-in
    methods (``__setstate__`` re-registers them), so resumes load with ``weights_only=True``."""
    from mmengine.logging.history_buffer import HistoryBuffer

    if 'statistics_methods' not in HistoryBuffer().__getstate__():
        return False

    def __getstate__(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}
        custom = {k: v for k, v in self._statistics_methods.items() if getattr(HistoryBuffer, k, None) is not v}
        if custom:  # user-registered statistics still need full unpickling, as upstream
            state['statistics_methods'] = custom
        return state

    HistoryBuffer.__getstate__ = __getstate__
    return True


def fix_dist_init_without_cuda() -> bool:
    """mmengine's PyTorch launcher calls ``torch.cuda.set_device`` unconditionally, which fails on CPU-only
    torch builds; then distributed runs (gloo) are impossible. Without CUDA, skip it and use gloo."""
    import torch
    from mmengine.dist import utils as dist_utils

    if torch.cuda.is_available() or getattr(dist_utils._init_dist_pytorch, '_mg_posec3d', False):
        return False

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs) -> None:
        if init_backend != 'torch':
            raise ValueError(f'init_backend {init_backend!r} needs CUDA; this torch build has none')
        torch.distributed.init_process_group(backend='gloo' if backend == 'nccl' else backend, **kwargs)

    _init_dist_pytorch._mg_posec3d = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch
    return True


def atomic_write(write):
    """Wrap ``write(self, obj, filepath, ...)`` to write a temporary file renamed over ``filepath``."""
    def put(self, obj, filepath, *args, **kwargs):
        filepath = os.fspath(filepath)
        os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
        tmp = f'{filepath}.tmp{os.getpid()}'
        try:
            write(self, obj, tmp, *args, **kwargs)
            os.replace(tmp, filepath)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    put._mg_posec3d = True
    return put


def fix_atomic_checkpoint_write() -> bool:
    """mmengine writes checkpoints (and ``last_checkpoint``) in place: a crash or kill while saving leaves a
    truncated file that ``--resume`` then picks up. Write to a temporary file and rename it over the target."""
    import inspect

    from mmengine.fileio.backends.local_backend import LocalBackend

    if 'os.replace' in inspect.getsource(LocalBackend.put) or getattr(LocalBackend.put, '_mg_posec3d', False):
        return False

    LocalBackend.put = atomic_write(LocalBackend.put)
    LocalBackend.put_text = atomic_write(LocalBackend.put_text)
    return True


def fix_torchvision_topilimage() -> bool:
    """mmpose imports ``torchvision.transforms.ToPILImage``; torchvision cannot be installed next to the CPU
    torch build here. Provide that one name (and only if torchvision is absent)."""
    if importlib.util.find_spec('torchvision') is not None or 'torchvision' in sys.modules:
        return False

    class ToPILImage:
        """Minimal ``torchvision.transforms.ToPILImage``: CHW tensor / HWC array to a PIL image."""

        def __init__(self, mode=None):
            self.mode = mode

        def __call__(self, pic):
            import numpy as np
            from PIL import Image
            arr = pic.detach().cpu().numpy() if hasattr(pic, 'detach') else np.asarray(pic)
            if hasattr(pic, 'detach') and arr.ndim == 3:
                arr = arr.transpose(1, 2, 0)
            if arr.dtype != np.uint8:
                arr = (np.clip(arr, 0, 1) * 255).astype(np.uint8)
            if arr.ndim == 3 and arr.shape[2] == 1:
                arr = arr[..., 0]
            return Image.fromarray(arr, mode=self.mode)

    tv = types.ModuleType('torchvision')
    tv.__path__ = []
    tv.__mg_posec3d_stub__ = True
    tv.__version__ = '0.0.0+mgposec3dstub'  # mmengine's environment report reads it
    tr = types.ModuleType('torchvision.transforms')
    tr.ToPILImage = ToPILImage
    tv.transforms = tr
    sys.modules['torchvision'] = tv
    sys.modules['torchvision.transforms'] = tr
    return True


def fix_mmpose_transformer_heads() -> bool:
    """``mmpose.models.heads.transformer_heads`` needs compiled mmcv ops (absent in mmcv-lite); stub it so
    the rest of ``mmpose.models`` (top-down heatmap/SimCC heads) imports."""
    root = _package_dir('mmpose')
    if root is None or 'mmpose.models.heads.transformer_heads' in sys.modules:
        return False
    try:
        from mmcv.ops import MultiScaleDeformableAttention  # noqa: F401
        return False
    except Exception:
        pass
    mod = types.ModuleType('mmpose.models.heads.transformer_heads')
    mod.__path__ = []

    class EDPoseHead:
        def __init__(self, *args, **kwargs):
            raise ImportError('EDPoseHead needs compiled mmcv ops, which mmcv-lite does not have.')

    mod.EDPoseHead = EDPoseHead
    mod.__all__ = ['EDPoseHead']
    sys.modules[mod.__name__] = mod
    return True


def _run(fixes) -> list[str]:
    for fix in fixes:
        if fix.__name__ not in APPLIED and fix():
            APPLIED.append(fix.__name__)
    return list(APPLIED)


def apply() -> list[str]:
    """Fixes every user of the package needs; returns the names of all fixes applied so far."""
    # mmcv-lite warns on every import that compiled ops are absent; PoseC3D never uses them.
    warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    return _run((fix_mmaction_drn, fix_torch_weights_only, fix_history_buffer_pickle, fix_dist_init_without_cuda,
                 fix_atomic_checkpoint_write))


def apply_mmpose() -> list[str]:
    """Fixes needed only before importing mmpose (kept out of ``apply``: a fake ``torchvision`` module
    would mislead other libraries that probe for it)."""
    return _run((fix_torchvision_topilimage, fix_mmpose_transformer_heads))
