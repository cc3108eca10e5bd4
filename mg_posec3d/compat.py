"""Fixes for broken upstream packages, applied once on ``import mg_posec3d``.

Each fix checks whether upstream is already fine and then does nothing. Every fix has a test in
``tests/test_compat.py``. Pinned versions: see ``requirements/lock.txt``.
"""
from __future__ import annotations

import builtins
import functools
import importlib.util
import os
import sys
import types
import warnings
from collections import OrderedDict

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
    """The classes beyond torch's own weights-only set that an mmengine 0.10.x checkpoint from our training
    references: only the message hub's ``HistoryBuffer`` (its ``__setstate__`` is replaced by a checking one
    in ``fix_history_buffer_pickle``). Numpy objects are kept out of checkpoints instead
    (``fix_numpy_free_checkpoints``): allow-listing ``numpy.dtype`` lets a crafted dtype state (object fields,
    out-of-record offsets) through, which plain torch refuses."""
    from mmengine.logging.history_buffer import HistoryBuffer

    return [HistoryBuffer]


def fix_torch_weights_only() -> bool:
    """torch >= 2.6 loads with ``weights_only=True`` and mmengine 0.10.7 cannot then load or resume its own
    checkpoints. Instead of falling back to full (code-executing) unpickling we allow-list the one data-only
    class mmengine stores, so checkpoints stay loaded with ``weights_only=True``."""
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


def _history_as_array(values, what: str):
    """A HistoryBuffer history from a checkpoint (tensor, or list/array from older files) as a 1-D number array."""
    import numpy as np

    array = values.numpy() if hasattr(values, 'numpy') else np.asarray(values)
    if array.ndim != 1 or array.dtype.kind not in 'biuf':
        raise ValueError(f'HistoryBuffer {what}: expected a 1-D array of numbers, got {array.dtype} {array.shape}')
    return array


def fix_history_buffer_pickle() -> bool:
    """mmengine's ``HistoryBuffer`` pickles its statistics *functions* (through ``getattr``) and numpy arrays,
    so a checkpoint with a message hub needs full unpickling, or numpy in torch's weights-only set. Buffers
    are written with their histories as tensors and without functions; reading one accepts only
    ``max_length`` and the two histories (1-D numbers) and registers no functions from the file (methods
    registered with ``register_statistics`` live on the class, in this process)."""
    from mmengine.logging.history_buffer import HistoryBuffer

    if getattr(HistoryBuffer.__setstate__, '_mg_posec3d', False):
        return False

    def __getstate__(self) -> dict:
        import torch

        state = {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}
        for key in ('_log_history', '_count_history'):
            state[key] = torch.from_numpy(_history_as_array(state[key], key).copy())
        return state

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise ValueError(f'HistoryBuffer state must be a dict, got {type(state).__name__}')
        self._set_default_statistics()
        self.max_length = int(state.get('max_length', 1000000))
        self._log_history = _history_as_array(state.get('_log_history', []), 'log history')
        self._count_history = _history_as_array(state.get('_count_history', []), 'count history')
        if len(self._log_history) != len(self._count_history):
            raise ValueError('HistoryBuffer histories differ in length')

    __setstate__._mg_posec3d = True
    HistoryBuffer.__getstate__ = __getstate__
    HistoryBuffer.__setstate__ = __setstate__
    return True


def without_numpy(obj):
    """``obj`` with numpy scalars as Python numbers/strings and numpy arrays as tensors (lists if torch has no
    such dtype), through dicts, lists and tuples; other objects unchanged. ``_metadata`` of dicts is kept."""
    import numpy as np
    import torch

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        try:
            return torch.from_numpy(np.ascontiguousarray(obj).copy())
        except TypeError:  # strings, objects, unsigned types torch lacks
            return without_numpy(obj.tolist())
    if isinstance(obj, dict):
        out = type(obj)((k, without_numpy(v)) for k, v in obj.items()) if type(obj) in (dict, OrderedDict) \
            else obj
        if out is not obj and hasattr(obj, '_metadata'):
            out._metadata = obj._metadata
        return out
    if type(obj) in (list, tuple):
        return type(obj)(without_numpy(v) for v in obj)
    return obj


def fix_numpy_free_checkpoints() -> bool:
    """mmengine stores numpy scalars in its checkpoints (``eta``, ``best_score`` in the message hub; metainfo
    values), which only load with numpy allow-listed for torch's weights-only unpickler. Convert them to
    Python numbers (arrays to tensors) when the Runner saves, so checkpoints hold no numpy objects."""
    from mmengine.runner import runner as runner_module

    save = runner_module.save_checkpoint
    if getattr(save, '_mg_posec3d', False):
        return False

    def save_checkpoint(checkpoint, filename, *args, **kwargs):
        return save(without_numpy(checkpoint), filename, *args, **kwargs)

    save_checkpoint._mg_posec3d = True
    runner_module.save_checkpoint = save_checkpoint
    return True


def fix_checkpoint_loading() -> bool:
    """mmengine loads local checkpoints with a bare ``torch.load`` and ``Runner.resume`` runs the checkpoint's
    ``meta['config']`` text as Python (``Config.fromstring(..., '.py')``): resuming a data-only checkpoint
    could run any command. Route every local checkpoint mmengine loads (resume, ``load_from``,
    ``load_checkpoint``, ``Pretrained`` init) through ``mg_posec3d.fileio.load_checkpoint`` (weights-only,
    one error message, config texts dropped) and drop the config texts from remote loads too."""
    from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

    if getattr(CheckpointLoader.load_checkpoint, '_mg_posec3d', False):
        return False
    from .fileio.checkpoint import load_checkpoint, without_code_fields

    upstream = CheckpointLoader.load_checkpoint.__func__

    def load(cls, filename, map_location=None, logger='current'):
        if cls._get_checkpoint_loader(filename) is load_from_local:
            return load_checkpoint(os.path.expanduser(filename), map_location=map_location)
        return without_code_fields(upstream(cls, filename, map_location, logger))

    load._mg_posec3d = True
    CheckpointLoader.load_checkpoint = classmethod(load)
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
    """Wrap ``write(self, obj, filepath, ...)`` (mmengine's ``LocalBackend.put`` / ``put_text``) to write through
    the package's one atomic writer, :func:`mg_posec3d.fileio.atomic_path`: a temporary file next to
    ``filepath``, renamed over it once complete."""
    from .fileio.atomic import atomic_path

    @functools.wraps(write)  # keeps mmengine's own writer as ``__wrapped__``
    def put(self, obj, filepath, *args, **kwargs):
        with atomic_path(filepath) as tmp:
            write(self, obj, tmp, *args, **kwargs)

    put._mg_posec3d = True  # our wrapper: never wrapped twice
    return put


def _replaces_before_complete(write) -> bool:
    """Behaviour probe: does ``write(LocalBackend(), obj, path)`` destroy an existing ``path`` when the write
    fails? It is given an object it cannot write (not bytes / str); an atomic writer leaves the old file."""
    import tempfile

    from mmengine.fileio.backends.local_backend import LocalBackend

    with tempfile.TemporaryDirectory() as folder:
        probe = os.path.join(folder, 'probe')
        with builtins.open(probe, 'wb') as f:
            f.write(b'old')
        try:
            write(LocalBackend(), object(), probe)
        except Exception:  # noqa: BLE001 - expected: the object cannot be written
            pass
        with builtins.open(probe, 'rb') as f:
            return f.read() != b'old'


def fix_atomic_checkpoint_write() -> bool:
    """mmengine writes checkpoints (and ``last_checkpoint``) in place: a crash or kill while saving leaves a
    truncated file that ``--resume`` then picks up. Write to a temporary file and rename it over the target.
    Upstream counts as fixed when a failing write leaves the old file intact (probed, not read from its source)."""
    from mmengine.fileio.backends.local_backend import LocalBackend

    fixed = False
    for name in ('put', 'put_text'):
        write = getattr(LocalBackend, name)
        if not getattr(write, '_mg_posec3d', False) and _replaces_before_complete(write):
            setattr(LocalBackend, name, atomic_write(write))
            fixed = True
    return fixed


class _DeferRemovals:
    """A file backend whose ``remove``/``rmtree`` only record the path; everything else is the real backend."""

    def __init__(self, backend):
        self._backend = backend
        self.removed: list[tuple[str, str]] = []

    def remove(self, path) -> None:
        self.removed.append(('remove', path))

    def rmtree(self, path) -> None:
        self.removed.append(('rmtree', path))

    def __getattr__(self, name):
        return getattr(self._backend, name)


def _open_last_checkpoint_atomically(file, mode='r', *args, **kwargs):
    if mode == 'w' and os.path.basename(os.fspath(file)) == 'last_checkpoint' and not args and not kwargs:
        from .fileio.atomic import atomic_open
        return atomic_open(file, 'w')  # replaces last_checkpoint only once everything is written
    return builtins.open(file, mode, *args, **kwargs)


def fix_checkpoint_rotation_after_save() -> bool:
    """With ``max_keep_ckpts``, mmengine's CheckpointHook deletes the oldest kept checkpoint *before* writing
    the new one, and rewrites ``last_checkpoint`` in place. A kill while the new checkpoint is written (it takes
    seconds for a real model) leaves ``last_checkpoint`` naming a deleted file, and ``--resume`` fails. Delete
    old checkpoints only after the new one and ``last_checkpoint`` are written; write ``last_checkpoint``
    through a temporary file."""
    from mmengine.hooks import checkpoint_hook

    hook = checkpoint_hook.CheckpointHook
    if getattr(hook._save_checkpoint_with_step, '_mg_posec3d', False):
        return False
    save = hook._save_checkpoint_with_step

    def save_then_rotate(self, runner, step, meta):
        backend, deferred = self.file_backend, _DeferRemovals(self.file_backend)
        self.file_backend = deferred
        try:
            save(self, runner, step, meta)
        finally:
            self.file_backend = backend
        for how, path in deferred.removed:   # only reached when the new checkpoint is complete
            getattr(backend, how)(path)

    save_then_rotate._mg_posec3d = True
    hook._save_checkpoint_with_step = save_then_rotate
    checkpoint_hook.open = _open_last_checkpoint_atomically   # the module's only write is last_checkpoint
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
    return _run((fix_mmaction_drn, fix_torch_weights_only, fix_history_buffer_pickle, fix_numpy_free_checkpoints,
                 fix_checkpoint_loading, fix_dist_init_without_cuda, fix_atomic_checkpoint_write,
                 fix_checkpoint_rotation_after_save))


def apply_mmpose() -> list[str]:
    """Fixes needed only before importing mmpose (kept out of ``apply``: a fake ``torchvision`` module
    would mislead other libraries that probe for it)."""
    return _run((fix_torchvision_topilimage, fix_mmpose_transformer_heads))
