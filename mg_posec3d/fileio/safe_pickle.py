"""An allow-list unpickler for annotation files.

PYSKL/mmaction2 annotation files are pickles passed between labs; unpickling one with ``pickle.load`` runs
whatever code its author put in it. ``safe_load_pickle`` rebuilds only builtin containers and scalars and
numpy arrays / dtypes / scalars, and refuses everything else before it is called. Beyond naming only harmless
classes, a data-only pickle can still hurt in two ways, and both are refused too:

* **Crafted numpy dtypes.** ``numpy.dtype`` plus a BUILD state can declare a structured dtype with an object
  field while flagging it as holding no objects (numpy then dereferences file bytes as pointers: a segfault),
  or a field offset outside the record (reads of heap memory). Only plain dtypes are accepted: booleans,
  integers, floats and fixed-width strings (``'S'``/``'U'``: no pointers inside), with no fields, no
  subarray and no objects; a dtype's BUILD state must be the one numpy itself writes for that dtype.
  Every array and numpy scalar is checked against that rule when it is created.
* **Memory bombs.** A few bytes can ask an allowed callable for a huge object (an empty array of shape
  ``(10**12,)``, one long string encoded a million times). Every element an allowed callable or array
  creates is counted; a file may declare at most two per byte of its size (real files hold at least one
  byte per element) and at most ``MAX_ELEMENTS`` in all.

The unpickler is the pure-Python one from the standard library (the C one cannot be told to check BUILD
states); it reads the 6 MB bundled sample in well under a second.
"""
from __future__ import annotations

import _codecs
import _compat_pickle
import io
import math
import os
import pickle
import struct
from collections import OrderedDict, defaultdict

import numpy as np

from .atomic import atomic_open

# iMiGUE train as miga22 (~13k clips x ~100 frames x 22 joints x (x, y, score)) declares ~86M elements;
# the cap leaves a 20x margin (an NTU-120-size 2D file fits too) while refusing absurd declarations.
MAX_ELEMENTS = 2_000_000_000
ELEMENTS_PER_BYTE = 2  # a protocol-2 uint8 array is charged for its bytes and for its elements
_SLACK = 1 << 16  # tiny files may still hold a few empty arrays and sets

# dtype kinds an annotation array may have: bool, signed/unsigned int, float, fixed-width bytes/unicode
PLAIN_KINDS = frozenset('biufSU')


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle referenced something outside the allow-list (it might run code)."""


class RefusedPickleError(ValueError):
    """A data-only pickle that would corrupt or exhaust memory (crafted dtype, memory bomb)."""


def plain_dtype_problem(dtype) -> str | None:
    """Why ``dtype`` is not a plain (pointer-free, unstructured) dtype, or None if it is. Reads only the
    dtype's metadata, never array memory, so it is safe on crafted dtypes."""
    if not isinstance(dtype, np.dtype):
        return f'{type(dtype).__name__} where a numpy dtype belongs'
    if dtype.kind not in PLAIN_KINDS:
        return f'numpy dtype of kind {dtype.kind!r}'
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        return 'numpy dtype with fields, a subarray or objects'
    return None


def _shape_size(shape) -> int:
    if type(shape) is not tuple or not all(type(d) is int and d >= 0 for d in shape):
        raise RefusedPickleError(f'array shape {shape!r:.60} is not a tuple of non-negative ints')
    return math.prod(shape)


# ---- what each allowed callable may be called with: (unpickler, func, args) -> result ----
def _call_container(u, func, args):  # set/frozenset of a list written in the file (protocol < 4)
    if args == ():
        return func()
    if len(args) == 1 and type(args[0]) in (list, tuple):
        u.charge(len(args[0]))
        return func(args[0])
    raise RefusedPickleError(f'{func.__name__}() called with {type(args[0]).__name__}')


def _call_no_args(u, func, args):  # bytes() (empty bytes, protocol < 3), OrderedDict()
    if args != ():
        raise RefusedPickleError(f'{func.__name__}() called with arguments')
    return func()


_FACTORIES = (None, list, dict, set, tuple, int, float, str, bool, OrderedDict)


def _call_defaultdict(u, func, args):
    if len(args) > 1 or (args and not any(args[0] is f for f in _FACTORIES)):
        raise RefusedPickleError('defaultdict with a default factory other than a builtin container or number')
    return func(*args)


def _call_encode(u, func, args):  # protocol < 3 stores bytes as _codecs.encode(str, 'latin1')
    if len(args) != 2 or type(args[0]) is not str or args[1] not in ('latin1', 'latin-1'):
        raise RefusedPickleError('_codecs.encode called with anything but (str, "latin1")')
    u.charge(len(args[0]))
    return func(*args)


def _call_dtype(u, func, args):
    if not 1 <= len(args) <= 3 or type(args[0]) is not str or not all(type(a) is bool for a in args[1:]):
        raise RefusedPickleError('numpy.dtype called with anything but (str, bool, bool)')
    dtype = np.dtype(args[0], len(args) > 1 and args[1], True)  # always a copy: BUILD never edits numpy's own
    u.check_dtype(dtype)
    return dtype


def _call_reconstruct(u, func, args):  # the empty array that BUILD then fills
    if len(args) != 3 or args[0] is not np.ndarray or args[2] not in (b'b', 'b'):
        raise RefusedPickleError('numpy _reconstruct called with anything but (ndarray, shape, b"b")')
    u.charge(_shape_size(args[1]))
    return func(*args)


def _call_scalar(u, func, args):
    if len(args) != 2 or type(args[1]) is not bytes:
        raise RefusedPickleError('numpy scalar called with anything but (dtype, bytes)')
    u.check_dtype(args[0])
    if len(args[1]) != args[0].itemsize:
        raise RefusedPickleError(f'numpy scalar of {len(args[1])} bytes for a dtype of {args[0].itemsize}')
    u.charge(1)
    return func(*args)


def _call_frombuffer(u, func, args):  # protocol-5 arrays
    if len(args) != 4 or type(args[0]) not in (bytes, bytearray, memoryview) or args[3] not in ('C', 'F'):
        raise RefusedPickleError('numpy _frombuffer called with anything but (buffer, dtype, shape, order)')
    u.check_dtype(args[1])
    u.charge(_shape_size(args[2]))
    return func(*args)


_CALLS = {set: _call_container, frozenset: _call_container, bytes: _call_no_args, OrderedDict: _call_no_args,
          defaultdict: _call_defaultdict, np.dtype: _call_dtype}
# (module, name) pairs a pickle may reference; names without an entry in _CALLS may not be called.
_ALLOWED: set[tuple[str, str]] = {
    ('builtins', n) for n in ('dict', 'list', 'tuple', 'set', 'frozenset', 'int', 'float', 'str', 'bytes', 'bool')
} | {('collections', 'OrderedDict'), ('collections', 'defaultdict'), ('_codecs', 'encode'),
     ('numpy', 'ndarray'), ('numpy', 'dtype')}
for _np in ('numpy.core', 'numpy._core'):  # numpy 2 moved core to _core
    _ALLOWED |= {(f'{_np}.multiarray', '_reconstruct'), (f'{_np}.multiarray', 'scalar'),
                 (f'{_np}.numeric', '_frombuffer')}
_CALLS.update({np.core.multiarray._reconstruct: _call_reconstruct, np.core.multiarray.scalar: _call_scalar,
               np.core.numeric._frombuffer: _call_frombuffer})
_CALLS[_codecs.encode] = _call_encode


class _AllowListUnpickler(pickle._Unpickler):
    """The standard library's Python unpickler with every opcode that calls, builds or fills an object
    replaced by a checked version."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, data: bytes, source: str, max_elements: int = MAX_ELEMENTS, stand_ins: dict | None = None):
        super().__init__(io.BytesIO(data))
        self._source = source
        self._stand_ins = stand_ins or {}  # (module, name) -> our own checked function, returned in its place
        self._size = len(data)
        self._limit = min(max_elements, ELEMENTS_PER_BYTE * len(data) + _SLACK)
        self._elements = 0

    def charge(self, n: int) -> None:
        self._elements += n
        if self._elements > self._limit:
            raise RefusedPickleError(f'declares {self._elements:,} elements in a file of {self._size:,} bytes '
                                     f'(at most {self._limit:,} allowed: a memory bomb?)')

    def check_dtype(self, dtype) -> None:
        problem = plain_dtype_problem(dtype)
        if problem:
            raise RefusedPickleError(f'{problem}: annotation arrays may only hold plain numbers, bools and '
                                     'fixed-width strings (a crafted dtype can corrupt memory)')

    def _unsafe(self, what: str) -> UnsafePickleError:
        return UnsafePickleError(
            f'{self._source}: refusing to {what} from this pickle: annotation files may only hold dicts, lists, '
            'numbers, strings and numpy arrays. If you trust the file and its author, pass --unsafe-pickle '
            '(or unsafe=True).')

    def find_class(self, module: str, name: str):
        # protocol < 3 pickles use Python 2 names (__builtin__.bytes); map them as pickle itself does
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in self._stand_ins:
            return self._stand_ins[module, name]
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise self._unsafe(f'load {module}.{name}')

    def load_reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        try:
            call = _CALLS.get(func) or (_call_stand_in if func in self._stand_ins.values() else None)
        except TypeError:  # unhashable: not a callable we know
            call = None
        if call is None or type(args) is not tuple:
            name = getattr(func, '__qualname__', type(func).__qualname__)
            raise self._unsafe(f'call {getattr(func, "__module__", None) or type(func).__module__}.{name}')
        self.stack[-1] = call(self, func, args)
    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is np.ndarray:
            self._build_array(inst, state)
        elif isinstance(inst, np.dtype):
            self._build_dtype(inst, state)
        else:
            raise self._unsafe(f'set the state of a {type(inst).__name__}')
    dispatch[pickle.BUILD[0]] = load_build

    def _build_dtype(self, dtype: np.dtype, state) -> None:
        # Only the state numpy writes for this very dtype; the byte order may differ (big-endian writers).
        own = dtype.__reduce__()[2]
        if not (type(state) is tuple and len(state) == len(own) and state[1] in ('<', '>', '|', '=')
                and all(type(a) is type(b) and a == b for a, b in zip(state[:1] + state[2:], own[:1] + own[2:]))):
            raise RefusedPickleError('a numpy dtype state with fields, objects, a subarray or another size: '
                                     'annotation arrays may only hold plain numbers, bools and fixed-width strings '
                                     '(a crafted dtype can corrupt memory)')
        dtype.__setstate__(state)
        self.check_dtype(dtype)

    def _build_array(self, array: np.ndarray, state) -> None:
        if type(state) is not tuple or len(state) not in (4, 5):
            raise RefusedPickleError('a numpy array state that is not (version, shape, dtype, fortran, data)')
        shape, dtype, fortran, data = state[-4:]
        self.check_dtype(dtype)
        if type(data) not in (bytes, bytearray) or type(fortran) is not bool:
            raise RefusedPickleError('a numpy array state without raw bytes')
        self.charge(_shape_size(shape))
        array.__setstate__(state)

    def _refuse_instances(self):
        raise self._unsafe('create class instances')
    dispatch.update(dict.fromkeys((op[0] for op in (pickle.NEWOBJ, pickle.NEWOBJ_EX, pickle.OBJ, pickle.INST)),
                                  _refuse_instances))

    def load_bytearray8(self):  # upstream allocates the declared length before reading it
        n, = struct.unpack('<Q', self.read(8))
        if n > self._size:
            raise RefusedPickleError(f'a bytearray of {n:,} bytes in a file of {self._size:,} bytes')
        self.append(bytearray(self.read(n)))
    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8

    # Filling opcodes call methods of whatever is on the stack: only on the builtin containers.
    def _target(self, types: tuple):
        target = self.stack[-1]
        if type(target) not in types:
            raise self._unsafe(f'fill a {type(target).__name__} as a container')
        return target

    def load_append(self):
        value = self.stack.pop()
        self._target((list,)).append(value)
    dispatch[pickle.APPEND[0]] = load_append

    def load_appends(self):
        items = self.pop_mark()
        self._target((list,)).extend(items)
    dispatch[pickle.APPENDS[0]] = load_appends

    def load_setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        self._target((dict, OrderedDict, defaultdict))[key] = value
    dispatch[pickle.SETITEM[0]] = load_setitem

    def load_setitems(self):
        items = self.pop_mark()
        target = self._target((dict, OrderedDict, defaultdict))
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]
    dispatch[pickle.SETITEMS[0]] = load_setitems

    def load_additems(self):
        items = self.pop_mark()
        self._target((set,)).update(items)
    dispatch[pickle.ADDITEMS[0]] = load_additems


def _call_stand_in(u, func, args):
    """A stand-in of an opt-in (``allow_torch_tensors``): it checks its own arguments; the raw bytes it is
    given are charged like any other elements."""
    u.charge(sum(len(a) for a in args if type(a) in (bytes, bytearray)))
    try:
        return func(*args)
    except UnsafePickleError as e:  # the stand-in does not know the file
        raise UnsafePickleError(f'{u._source}: {e}') from e


def safe_load_pickle(path_or_bytes: str | os.PathLike | bytes, source: str | None = None,
                     max_elements: int = MAX_ELEMENTS, allow_torch_tensors: bool = False):
    """Load a data-only pickle (path or bytes) through the allow-list.

    Raises ``UnsafePickleError`` for anything that could run code, ``RefusedPickleError`` (a ValueError) for
    crafted dtypes and memory bombs, and ``ValueError`` naming the file for truncated/corrupt files.
    ``allow_torch_tensors``: also rebuild plain torch tensors (mmaction2 score dumps), through the checked
    stand-ins of :mod:`.torch_pickle`, never torch's own unpickling functions.
    """
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
        return _AllowListUnpickler(data, name, max_elements, stand_ins).load()
    except UnsafePickleError:
        raise
    except RefusedPickleError as e:
        raise RefusedPickleError(f'{name}: refused: {e}') from None
    except Exception as e:  # noqa: BLE001 - anything else a hostile or broken file triggers is "unreadable"
        raise ValueError(f'{name}: not a readable pickle file (truncated or corrupt?): '
                         f'{type(e).__name__}: {str(e)[:200]}') from e


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
