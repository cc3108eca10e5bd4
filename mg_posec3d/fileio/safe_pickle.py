"""An allow-list unpickler for annotation files.

PYSKL/mmaction2 annotation files are pickles passed between labs; unpickling one with ``pickle.load`` runs
whatever code its author put in it. ``safe_load_pickle`` only rebuilds builtin containers and scalars and
numpy arrays / dtypes / scalars, and refuses everything else before it is called.
"""
from __future__ import annotations

import _compat_pickle
import io
import os
import pickle

from .atomic import atomic_open

# (module, name) pairs a data-only annotation pickle may reference. numpy moved ``core`` to ``_core`` in 2.x.
_ALLOWED: set[tuple[str, str]] = {
    ('builtins', n) for n in ('dict', 'list', 'tuple', 'set', 'frozenset', 'int', 'float', 'complex',
                              'str', 'bytes', 'bytearray', 'bool', 'slice', 'range')
} | {
    ('collections', 'OrderedDict'), ('collections', 'defaultdict'),
    ('_codecs', 'encode'),  # numpy arrays pickled under protocol 2 store bytes through it
}
for _np in ('numpy.core.multiarray', 'numpy._core.multiarray'):
    _ALLOWED |= {(_np, '_reconstruct'), (_np, 'scalar')}
    _ALLOWED.add((_np.replace('multiarray', 'numeric'), '_frombuffer'))  # protocol-5 arrays
_ALLOWED |= {('numpy', 'ndarray'), ('numpy', 'dtype')}
_NUMPY_DTYPE_MODULES = ('numpy.dtypes',)


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle referenced something outside the allow-list (it might run code)."""


class _AllowListUnpickler(pickle.Unpickler):
    def __init__(self, file, source: str, stand_ins: dict | None = None):
        super().__init__(file)
        self._source = source
        self._stand_ins = stand_ins or {}  # (module, name) -> our own function returned in its place

    def find_class(self, module: str, name: str):
        # protocol < 3 pickles use Python 2 names (__builtin__.bytes); map them as pickle itself does
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in self._stand_ins:
            return self._stand_ins[module, name]
        if (module, name) in _ALLOWED or (module in _NUMPY_DTYPE_MODULES and name.endswith('DType')):
            return super().find_class(module, name)
        raise UnsafePickleError(
            f'{self._source}: refusing to load {module}.{name} from this pickle: annotation files may only '
            'hold dicts, lists, numbers, strings and numpy arrays. If you trust the file and its author, '
            'pass --unsafe-pickle (or unsafe=True).')


def safe_load_pickle(path_or_bytes: str | os.PathLike | bytes, source: str | None = None,
                     allow_torch_tensors: bool = False):
    """Load a data-only pickle (path or bytes) through the allow-list; raise ``UnsafePickleError`` for
    anything that could run code and ``ValueError`` naming the file for truncated/corrupt files.
    ``allow_torch_tensors``: also rebuild plain torch tensors (mmaction2 score dumps), through the checked
    stand-ins of :mod:`.torch_pickle`, never torch's own unpickling functions."""
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data, name = bytes(path_or_bytes), source or '<bytes>'
    else:
        name = source or os.fspath(path_or_bytes)
        if not os.path.isfile(path_or_bytes):
            raise FileNotFoundError(f'{name}: no such file')
        with open(path_or_bytes, 'rb') as f:
            data = f.read()
    try:
        stand_ins = None
        if allow_torch_tensors:
            from .torch_pickle import TORCH_TENSOR_REBUILDERS as stand_ins
        return _AllowListUnpickler(io.BytesIO(data), name, stand_ins).load()
    except UnsafePickleError as e:
        if str(e).startswith(name):
            raise
        raise UnsafePickleError(f'{name}: {e}') from e  # raised by a stand-in, which does not know the file
    except (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, IndexError,
            KeyError, UnicodeDecodeError, MemoryError) as e:
        raise ValueError(f'{name}: not a readable pickle file (truncated or corrupt?): '
                         f'{type(e).__name__}: {e}') from e


def load_pickle(path: str | os.PathLike, unsafe: bool = False):
    """Load an annotation pickle: through the allow-list unless ``unsafe`` (the user's explicit choice)."""
    if not unsafe:
        return safe_load_pickle(path)
    with open(path, 'rb') as f:
        return pickle.load(f)  # noqa: S301 - explicitly requested by the user (--unsafe-pickle)


def save_pickle(obj, path: str | os.PathLike) -> None:
    """Write ``obj`` atomically: ``path`` is either untouched or the complete new file (see ``fileio.atomic``)."""
    with atomic_open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=4)
