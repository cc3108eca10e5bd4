"""Opt-in for :func:`~mg_posec3d.fileio.safe_load_pickle`: rebuild plain torch tensors without running code.

mmaction2's ``tools/test.py --dump`` pickles (``mmengine.dump`` of a list of dicts) hold ``pred_score`` and
``gt_label`` as torch tensors. Pickle stores a tensor as two calls: ``torch.storage._load_from_bytes(b)``, where
``b`` is a small ``torch.save`` of the storage, and ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, backward_hooks[, metadata])``. torch's own ``_load_from_bytes`` calls ``torch.load`` with
``weights_only=False`` (full unpickling), so neither function is called here: the unpickler gets the two
stand-ins below instead, which read the storage bytes with ``torch.load(weights_only=True)`` (torch's
data-only loader) and check every argument before the tensor is built. Hooks and tensor metadata, which
no score dump has, are refused. torch is imported only when such a pickle is read.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Callable

from .safe_pickle import UnsafePickleError


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _load_storage(data: bytes):
    """Stand-in for ``torch.storage._load_from_bytes``: the storage bytes through torch's weights-only loader."""
    import torch

    if not isinstance(data, (bytes, bytearray)):
        raise UnsafePickleError(f'a torch storage must be stored as bytes, got {type(data).__name__}')
    try:
        storage = torch.load(io.BytesIO(bytes(data)), map_location='cpu', weights_only=True)
    except Exception as e:  # weights_only refuses anything that is not plain tensor data
        raise UnsafePickleError(f'a torch storage in this pickle is not plain data: {type(e).__name__}: {e}') from e
    if not isinstance(storage, (torch.storage.TypedStorage, torch.UntypedStorage)):
        raise UnsafePickleError(f'expected a torch storage, got {type(storage).__name__}')
    return storage


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                    metadata=None):
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: a CPU tensor viewing ``storage``, arguments checked."""
    import torch
    from torch._utils import _rebuild_tensor

    if not isinstance(storage, torch.storage.TypedStorage):
        raise UnsafePickleError(f'a tensor must be rebuilt from a typed storage, got {type(storage).__name__}')
    if not (_is_int(storage_offset) and storage_offset >= 0 and isinstance(size, tuple)
            and isinstance(stride, tuple) and len(size) == len(stride)
            and all(_is_int(v) and v >= 0 for v in size + stride) and isinstance(requires_grad, bool)):
        raise UnsafePickleError('a tensor in this pickle has malformed offset / size / stride arguments')
    if backward_hooks or metadata:  # hooks are callables: a score dump never has any
        raise UnsafePickleError('a tensor in this pickle carries backward hooks or metadata; refusing it')
    # set_() would grow the storage to fit (memory for nothing, values never stored): check the bounds here
    needed = 0 if 0 in size else storage_offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1
    with warnings.catch_warnings():  # TypedStorage.size() warns that TypedStorage is deprecated; pickles hold it
        warnings.simplefilter('ignore', UserWarning)
        available = storage.size()
    if needed > available:
        raise UnsafePickleError(f'a tensor in this pickle does not fit its storage: size {list(size)}, stride '
                                f'{list(stride)} and offset {storage_offset} need {needed} elements, the storage '
                                f'has {available}')
    tensor = _rebuild_tensor(storage, storage_offset, size, stride)
    # scores never need gradients; a float tensor may keep the flag it was saved with
    if requires_grad and tensor.is_floating_point():
        tensor.requires_grad_(True)
    return tensor


# (module, name) in the pickle -> the stand-in the allow-list unpickler returns for it
TORCH_TENSOR_REBUILDERS: dict[tuple[str, str], Callable] = {
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch.storage', '_load_from_bytes'): _load_storage,
}
