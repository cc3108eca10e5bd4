"""The torch-tensor opt-in of the allow-list unpickler (``safe_load_pickle(..., allow_torch_tensors=True)``).

Oracle: the tensors as pickled by torch itself (``pickle.dumps``) come back equal, dtype, shape, strides and
storage offset included. Malformed rebuild calls are built inside the tests with torch's own function names.
"""
import collections
import pickle

import pytest
import torch

from mg_posec3d.fileio import UnsafePickleError, safe_load_pickle


def test_tensors_come_back_exactly():
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    data = dict(f32=torch.rand(5), i64=torch.tensor([3]), b=torch.tensor([True, False]), f16=torch.rand(3).half(),
                strided=base.t(), view=base[1:, 2:], base=base, empty=torch.zeros(0, 7), scalar=torch.tensor(2.5))
    back = safe_load_pickle(pickle.dumps(data), allow_torch_tensors=True)
    assert back.keys() == data.keys()
    for k, t in data.items():
        assert back[k].dtype == t.dtype and back[k].shape == t.shape and back[k].stride() == t.stride(), k
        assert torch.equal(back[k], t), k
    # the view keeps its offset into the storage, as with torch's own unpickling
    assert back['view'].storage_offset() == pickle.loads(pickle.dumps(data))['view'].storage_offset() == 8


class _Rebuild:
    """Pickles as torch's tensor rebuild call with the given arguments."""
    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


@pytest.mark.parametrize('args, message', [
    ((0, (1000,), (1,), False, collections.OrderedDict()), 'does not fit its storage'),
    ((-1, (2,), (1,), False, collections.OrderedDict()), 'malformed offset / size / stride'),
    ((0, (2,), (1, 1), False, collections.OrderedDict()), 'malformed offset / size / stride'),
    ((0, (2,), (1,), False, collections.OrderedDict({0: 'hook'})), 'carries backward hooks'),
])
def test_malformed_tensors_are_refused(args, message):
    storage = torch.rand(4).storage()
    data = pickle.dumps([_Rebuild(storage, *args)])
    with pytest.raises(UnsafePickleError, match=message):
        safe_load_pickle(data, source='bad.pkl', allow_torch_tensors=True)


def test_a_tensor_needs_a_storage_from_the_checked_loader():
    data = pickle.dumps([_Rebuild([1.0, 2.0], 0, (2,), (1,), False, collections.OrderedDict())])
    with pytest.raises(UnsafePickleError, match='^bad.pkl: a tensor must be rebuilt from a typed storage, got list'):
        safe_load_pickle(data, source='bad.pkl', allow_torch_tensors=True)
