import os
import pickle

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
@given(_data, st.sampled_from([2, 4, 5]))
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
