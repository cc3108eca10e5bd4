import os
import pickle
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mg_posec3d.fileio import UnsafePickleError, load_pickle, safe_load_pickle


class _Payload:
    """A real malicious pickle: unpickling it runs a shell command that creates a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


def test_malicious_pickle_is_refused_and_its_command_does_not_run(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'ann.pkl'
    path.write_bytes(pickle.dumps({'split': {}, 'annotations': [_Payload(marker)]}))
    with pytest.raises(UnsafePickleError, match=r'ann\.pkl: refusing to load (posix|os)\.system'):
        safe_load_pickle(path)
    assert not marker.exists()
    load_pickle(path, unsafe=True)  # the explicit opt-in really is plain pickle
    assert marker.exists()


def test_truncated_and_non_pickle_files(tmp_path):
    good = pickle.dumps({'annotations': [{'keypoint': np.zeros((1, 2, 3, 2), np.float16)}]})
    (tmp_path / 't.pkl').write_bytes(good[:len(good) // 2])
    with pytest.raises(ValueError, match=r't\.pkl: not a readable pickle file \(truncated or corrupt\?\)'):
        safe_load_pickle(tmp_path / 't.pkl')
    with pytest.raises(FileNotFoundError, match='no such file'):
        safe_load_pickle(tmp_path / 'missing.pkl')


def test_real_sample_and_numpy_content_round_trip():
    from tests.conftest import SAMPLE

    data = safe_load_pickle(SAMPLE)
    assert len(data['annotations']) == 715 and data['annotations'][0]['keypoint'].dtype == np.float16


_scalars = st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=8), st.booleans(), st.none())
_arrays = st.builds(lambda shape, dt: (np.arange(int(np.prod(shape))) % 3).astype(dt).reshape(shape),
                    st.lists(st.integers(0, 3), max_size=3).map(tuple),
                    st.sampled_from([np.float16, np.float32, np.float64, np.int64, np.uint8, np.bool_]))
_data = st.recursive(st.one_of(_scalars, _arrays), lambda c: st.one_of(
    st.lists(c, max_size=4), st.tuples(c, c), st.dictionaries(st.text(max_size=5), c, max_size=4)), max_leaves=12)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=60, deadline=None)
@given(_data, st.sampled_from([0, 1, 2, 4, 5]))
def test_any_data_only_pickle_round_trips(obj, protocol):
    assert _same(safe_load_pickle(pickle.dumps(obj, protocol=protocol)), obj)


def test_save_pickle_is_atomic(tmp_path):
    from mg_posec3d.fileio import save_pickle

    path = tmp_path / 'ann.pkl'
    save_pickle({'annotations': [1]}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError('fails half-way through the dump')

    with pytest.raises(RuntimeError):
        save_pickle({'annotations': [np.zeros(1000), Unpicklable()]}, path)
    assert safe_load_pickle(path) == {'annotations': [1]}
    assert [p.name for p in tmp_path.iterdir()] == ['ann.pkl']


# ---- hostile data-only pickles: crafted numpy dtypes, memory bombs, codec tricks ----
# The payloads are built here, in the tests. Those that would crash or exhaust memory without the guard are
# loaded in a child process that imports only safe_pickle.py and validation.py (numpy only) under a 1.5 GB
# address-space limit, so a regression fails the test instead of killing pytest or the machine.
_CHILD = r'''
import json, os, resource, sys, types
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
repo, path = sys.argv[1], sys.argv[2]
for name, sub in (('mg_posec3d', ''), ('mg_posec3d.fileio', 'fileio'), ('mg_posec3d.datasets', 'datasets')):
    stub = types.ModuleType(name)  # skip the package __init__ files (torch, mmaction)
    stub.__path__ = [os.path.join(repo, 'mg_posec3d', sub)]
    sys.modules[name] = stub
from mg_posec3d.fileio.safe_pickle import safe_load_pickle
from mg_posec3d.datasets.validation import validate_annotations
try:
    data = safe_load_pickle(path)
    annos, report = validate_annotations(data, path, num_joints=22)  # reads every keypoint (astype)
    print(json.dumps({'loaded': True, 'keypoint': [a['keypoint'].ravel()[:4].tolist() for a in annos]}))
except Exception as e:
    print(json.dumps({'loaded': False, 'type': type(e).__name__, 'isvalueerror': isinstance(e, ValueError),
                      'message': str(e)}))
'''


def _load_in_child(tmp_path, payload: bytes) -> dict:
    import json
    import subprocess
    import sys

    from tests.conftest import REPO

    path = tmp_path / 'ann.pkl'
    path.write_bytes(payload)
    res = subprocess.run([sys.executable, '-c', _CHILD, REPO, str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f'the loader crashed (rc {res.returncode}): {res.stderr[-1500:]}'
    return json.loads(res.stdout.strip().splitlines()[-1])


class _CraftedDtype:
    """Pickles as ``numpy.dtype(base)`` followed by a BUILD with a hand-written state, as an attacker would."""

    def __init__(self, base, state):
        self.base, self.state = base, state

    def __reduce__(self):
        return np.dtype, (self.base, False, True), self.state


class _CraftedArray:
    """Pickles as numpy does (``_reconstruct`` + BUILD) but with any dtype and raw bytes."""

    def __init__(self, dtype, data: bytes, shape):
        self.dtype, self.data, self.shape = dtype, data, shape

    def __reduce__(self):
        return np.core.multiarray._reconstruct, (np.ndarray, (0,), b'b'), (1, self.shape, self.dtype, False, self.data)


def _annotation_file_with_keypoint(keypoint, protocol=2) -> bytes:
    T, V = 1, 22
    ann = dict(frame_dir='a', label=0, total_frames=T, img_shape=(64, 64), keypoint=keypoint,
               keypoint_score=np.ones((1, T, V), np.float32))
    return pickle.dumps({'split': {'train': ['a']}, 'annotations': [ann]}, protocol=protocol)


# a record of 8 bytes whose only field is a Python object at offset 0, flagged as holding no objects (flags 0)
_OBJECT_FIELD = (3, '|', None, ('a',), {'a': (np.dtype('O'), 0)}, 8, 1, 0)


def test_dtype_with_an_unflagged_object_field_is_refused_not_dereferenced(tmp_path):
    """Without the guard numpy reads the file's bytes 'AAAAAAAA' as a PyObject pointer (segfault)."""
    keypoint = _CraftedArray(_CraftedDtype('V8', _OBJECT_FIELD), b'A' * 8 * 44, (1, 1, 22, 2))
    out = _load_in_child(tmp_path, _annotation_file_with_keypoint(keypoint))
    assert not out['loaded'] and out['isvalueerror'], out
    assert re.search(r"ann\.pkl: refused: numpy dtype of kind 'V': annotation arrays may only hold plain numbers, "
                     r'bools and fixed-width strings \(a crafted dtype can corrupt memory\)', out['message']), out


def test_float_dtype_given_fields_by_its_state_is_refused(tmp_path):
    """A float64 dtype whose BUILD state adds a field 100 kB outside the 8-byte record: numpy would copy heap
    memory into the keypoints. The dtype's kind is still 'f', so only the state check catches it."""
    outside = (3, '|', None, ('a',), {'a': (np.dtype('f8'), 100_000)}, 8, 1, 0)
    keypoint = _CraftedArray(_CraftedDtype('f8', outside), b'A' * 8 * 44, (1, 1, 22, 2))
    out = _load_in_child(tmp_path, _annotation_file_with_keypoint(keypoint))
    assert not out['loaded'], out
    assert 'refused: a numpy dtype state with fields, objects, a subarray or another size' in out['message']


@pytest.mark.parametrize('value', [
    np.array([None, 1], dtype=object),  # honest object array: numpy would rebuild it from a pickled list
    np.zeros(2, dtype=[('x', 'f4'), ('y', 'i4')]),  # structured
    np.zeros(2, dtype='M8[s]'),  # datetimes
    np.zeros(2, dtype=np.complex64),
    np.complex64(1j),  # a numpy scalar
], ids=['object', 'structured', 'datetime', 'complex', 'complex-scalar'])
def test_only_plain_dtypes_are_accepted(value):
    for protocol in (2, 5):
        with pytest.raises(ValueError, match=r'x\.pkl: (refused: numpy dtype of kind|refusing to load)'):
            safe_load_pickle(pickle.dumps({'v': value}, protocol=protocol), source='x.pkl')


def test_plain_arrays_of_every_kind_still_load():
    """bool, ints, floats in both byte orders and fixed-width strings (no pointers: allowed, see the module doc)."""
    values = {'b': np.array([True, False]), 'u1': np.arange(3, dtype=np.uint8), 'i8': np.arange(3),
              'f2': np.arange(3, dtype=np.float16), 'be': np.arange(3, dtype='>f4'), 's': np.array([b'ab']),
              'u': np.array(['abc', 'd']), 'scalar': np.float32(2.5), 'int': np.int64(7)}
    for protocol in (0, 2, 4, 5):
        back = safe_load_pickle(pickle.dumps(values, protocol=protocol))
        assert all(np.array_equal(back[k], v) and back[k].dtype.kind == v.dtype.kind for k, v in values.items())


def _reconstruct_bomb(n: int) -> bytes:
    """numpy's _reconstruct asked for an (empty) array of n bytes: 67 bytes of pickle."""
    return (b'\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n\x8a\x05' + n.to_bytes(5, 'little')
            + b'\x85C\x01b\x87R.')


def _encode_bomb(repeats: int) -> bytes:
    """One 60,000-character string, encoded to bytes `repeats` times through the memo (2 MB per 35 bytes)."""
    text = 'x' * 60_000
    head = (b'\x80\x02c_codecs\nencode\nq\x00X' + len(text).to_bytes(4, 'little') + text.encode()
            + b'q\x01X\x06\x00\x00\x00latin1q\x02(')
    return head + b'h\x00h\x01h\x02\x86R' * repeats + b'l.'


@pytest.mark.parametrize('payload, message', [
    (_reconstruct_bomb(10 ** 10), r'refused: declares 10,000,000,000 elements in a file of 67 bytes'),
    (_encode_bomb(20_000), r'refused: declares 540,000 elements in a file of 220,043 bytes \(at most 505,622 '),
    (b'\x80\x05\x96' + (10 ** 12).to_bytes(8, 'little') + b'.',
     r'refused: a bytearray of 1,000,000,000,000 bytes in a file of 12 bytes'),
    # list(range(10**8)) in 49 bytes: range and list are not callable from a pickle any more
    (b'\x80\x02c__builtin__\nlist\nc__builtin__\nrange\nJ\x00\xe1\xf5\x05\x85R\x85R.',
     r'refusing to load builtins\.range from this pickle'),
], ids=['reconstruct', 'encode', 'bytearray8', 'list-range'])
def test_memory_bombs_are_refused_before_anything_is_allocated(tmp_path, payload, message):
    out = _load_in_child(tmp_path, payload)
    assert not out['loaded'] and out['isvalueerror'], out
    assert re.search(r'ann\.pkl: ' + message, out['message']), out


@pytest.mark.parametrize('payload, message', [
    (b'\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00xX\x03\x00\x00\x00zzz\x86R.',  # LookupError before
     r'refused: _codecs\.encode called with anything but \(str, "latin1"\)'),
    (b'\x80\x02c__builtin__\nbytearray\n\x8a\x09' + (2 ** 70).to_bytes(9, 'little') + b'\x85R.',  # OverflowError
     r'refusing to load builtins\.bytearray'),
    (b'\x80\x02c__builtin__\nset\nK\x05\x85R.', r'refused: set\(\) called with int'),  # TypeError
    (b'\x80\x02N(\x8a\x01\x01e.', r'refusing to fill a NoneType as a container'),  # AttributeError
    (b'\x80\x02}q\x00(', r'not a readable pickle file \(truncated or corrupt\?\): EOFError'),
], ids=['codec', 'bytearray', 'set-of-int', 'appends-to-none', 'truncated'])
def test_tricks_with_allowed_callables_are_value_errors_naming_the_file(payload, message):
    with pytest.raises(ValueError, match=r'^t\.pkl: ' + message):
        safe_load_pickle(payload, source='t.pkl')


def test_the_element_budget_counts_exactly_the_array_elements():
    """Oracle: numpy's own sizes of every array in the real bundled sample."""
    from tests.conftest import SAMPLE

    data = safe_load_pickle(SAMPLE)
    elements = sum(a[k].size for a in data['annotations'] for k in ('keypoint', 'keypoint_score'))
    assert elements <= os.path.getsize(SAMPLE)  # real files hold at least one byte per element
    safe_load_pickle(SAMPLE, max_elements=elements)
    with pytest.raises(ValueError, match=rf'refused: declares {elements:,} elements in a file of '):
        safe_load_pickle(SAMPLE, max_elements=elements - 1)
    # iMiGUE train in miga22 (about 13k clips x 100 frames x 22 joints x (x, y, score)) fits 20 times over
    from mg_posec3d.fileio.safe_pickle import MAX_ELEMENTS
    assert MAX_ELEMENTS >= 20 * 13_000 * 100 * 22 * 3


def test_per_sample_skeleton_files_go_through_the_allow_list(tmp_path):
    """mmaction's PoseDataset loads data_prefix['skeleton']/<frame_dir>.pkl with plain pickle; ours does not."""
    from mmaction.registry import DATASETS

    T, V = 4, 22
    clip = dict(frame_dir='a', label=0, total_frames=T, img_shape=(64, 64), keypoint=np.zeros((1, T, V, 2), np.float32),
                keypoint_score=np.ones((1, T, V), np.float32))
    ann = tmp_path / 'ann.pkl'
    ann.write_bytes(pickle.dumps({'split': {'train': ['a']}, 'annotations': [clip]}))
    skeletons = tmp_path / 'skeletons'
    skeletons.mkdir()
    marker = tmp_path / 'pwned'
    (skeletons / 'a.pkl').write_bytes(pickle.dumps({'box': _Payload(marker)}))
    ds = DATASETS.build(dict(type='MGPoseDataset', ann_file=str(ann), pipeline=[], split='train', num_classes=3,
                             data_prefix=dict(skeleton=str(skeletons))))
    with pytest.raises(UnsafePickleError, match=r'a\.pkl: refusing to load (posix|os)\.system'):
        ds.get_data_info(0)
    assert not marker.exists()
    (skeletons / 'a.pkl').write_bytes(pickle.dumps({'box': np.arange(4, dtype=np.float32)}))
    assert ds.get_data_info(0)['box'].tolist() == [0, 1, 2, 3]
