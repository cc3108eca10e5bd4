import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

from mg_posec3d import compat


def test_mmaction_models_import_and_drn_fix_is_idempotent():
    import mmaction.models  # noqa: F401  (fails on mmaction2 1.2.0 without the fix)
    from mmaction.registry import MODELS

    assert MODELS.get('ResNet3dSlowOnly') is not None
    drn_installed = os.path.exists(os.path.join(compat._package_dir('mmaction'), 'models', 'localizers', 'drn',
                                                'drn.py'))
    assert ('fix_mmaction_drn' in compat.APPLIED) == (not drn_installed)
    assert compat.fix_mmaction_drn() is False  # second call: nothing left to fix


def _globals_in(path) -> set:
    """Every GLOBAL a torch checkpoint's pickle names (torch writes protocol 2: GLOBAL opcodes only)."""
    import pickletools
    import zipfile

    with zipfile.ZipFile(path) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith('data.pkl')))
    return {arg.replace(' ', '.') for op, arg, _ in pickletools.genops(data) if op.name == 'GLOBAL'}


def test_mmengine_checkpoint_holds_no_numpy_and_loads_with_weights_only(tmp_path):
    """What mmengine's Runner saves (message hub history as numpy arrays, numpy scalars from metrics and the
    ETA) is written without numpy objects and loads under weights_only=True with the same values."""
    from mmengine.logging import HistoryBuffer
    from mmengine.runner import runner as runner_module

    buf = HistoryBuffer()
    buf.update(np.float64(0.5))
    buf.update(2.5)
    ckpt = dict(meta=dict(epoch=1, dataset_meta={'classes': (np.str_('small'), 'large')}),
                state_dict={'w': torch.ones(2)},
                message_hub=dict(log_scalars={'train/loss': buf}, runtime_info={'best_score': np.float64(0.75),
                                                                                'eta': np.float32(0.5)}))
    path = tmp_path / 'c.pth'
    runner_module.save_checkpoint(ckpt, str(path))  # the function Runner.save_checkpoint calls
    assert not [g for g in _globals_in(path) if g.startswith('numpy')], _globals_in(path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['message_hub']['runtime_info'] == {'best_score': 0.75, 'eta': 0.5}
    assert loaded['meta']['dataset_meta']['classes'] == ('small', 'large')
    back = loaded['message_hub']['log_scalars']['train/loss']
    assert back.mean() == 1.5 and back.current() == 2.5 and isinstance(back.data[0], np.ndarray)
    assert compat.fix_numpy_free_checkpoints() is False and compat.fix_torch_weights_only() is False


def test_torch_weights_only_set_gains_history_buffer_only_and_refuses_crafted_dtypes(tmp_path):
    """A float64 dtype whose BUILD state adds an object field: with numpy allow-listed, torch's weights-only
    loader would build it (plain torch refuses numpy). It must stay refused."""
    from mmengine.logging import HistoryBuffer

    added = torch.serialization.get_safe_globals()
    assert HistoryBuffer in added and not [g for g in added if 'numpy' in getattr(g, '__module__', '')], added

    class CraftedDtype:
        def __reduce__(self):
            return np.dtype, ('f8', False, True), (3, '|', None, ('a',), {'a': (np.dtype('O'), 0)}, 8, 1, 0)

    class CraftedArray:
        def __reduce__(self):
            return np.core.multiarray._reconstruct, (np.ndarray, (0,), b'b'), (1, (1,), CraftedDtype(), False,
                                                                               b'A' * 8)

    path = tmp_path / 'crafted.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'x': CraftedArray()}}, path)
    with pytest.raises(pickle.UnpicklingError, match=r'numpy\.core\.multiarray\._reconstruct'):
        torch.load(path, weights_only=True)


def test_history_buffer_state_from_a_file_is_checked():
    """A buffer's state may not register statistics functions (upstream put them into the class-wide table)
    nor smuggle non-numeric histories."""
    from mmengine.logging import HistoryBuffer

    mean = HistoryBuffer._statistics_methods['mean']
    buf = HistoryBuffer.__new__(HistoryBuffer)
    try:
        buf.__setstate__({'_log_history': torch.tensor([1.0, 3.0]), '_count_history': torch.tensor([1, 1]),
                          'max_length': 10, 'statistics_methods': {'mean': OrderedDict}})
        assert HistoryBuffer._statistics_methods['mean'] is mean and buf.mean() == 2.0
    finally:
        HistoryBuffer._statistics_methods['mean'] = mean
    with pytest.raises(ValueError, match='expected a 1-D array of numbers'):
        buf.__setstate__({'_log_history': ['a'], '_count_history': [1]})
    assert compat.fix_history_buffer_pickle() is False


def test_mmengine_local_checkpoint_loads_go_through_our_loader(tmp_path):
    """mmengine's own loading entry point gives our one-line refusal, and drops the config texts that
    Runner.resume / BaseInferencer would run as Python."""
    from mmengine.runner.checkpoint import _load_checkpoint

    class Payload:
        def __reduce__(self):
            return os.system, ('true',)

    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': Payload()}, evil)
    with pytest.raises(ValueError, match=r'^checkpoint .*evil\.pth could not be loaded with weights_only=True: it '
                                         r'references (posix|os)\.system, which is not plain data'):
        _load_checkpoint(str(evil))
    config_text = tmp_path / 'config.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'config': 'x = 1', 'cfg': 'y = 2', 'epoch': 3},
                'message_hub': {'runtime_info': {'cfg': 'z = 3', 'iter': 4}}}, config_text)
    loaded = _load_checkpoint(str(config_text))
    assert loaded['meta'] == {'epoch': 3} and loaded['message_hub'] == {'runtime_info': {'iter': 4}}
    assert compat.fix_checkpoint_loading() is False


def test_weights_only_still_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ('echo pwned',))

    path = tmp_path / 'evil.pth'
    torch.save({'x': Evil()}, path)
    try:
        torch.load(path, weights_only=True)
    except Exception as e:  # UnpicklingError
        assert 'system' in str(e)
    else:
        raise AssertionError('a checkpoint calling os.system was loaded')


def test_mmpose_fixes_only_when_asked():
    """A plain ``import mg_posec3d`` must not fake torchvision; ``apply_mmpose`` makes mmpose importable."""
    import subprocess
    import sys

    code = ('import importlib.util, sys, mg_posec3d; from mg_posec3d import compat; '
            'assert "torchvision" not in sys.modules; compat.apply_mmpose(); '
            'from torchvision.transforms import ToPILImage; import mmpose.models; '
            'from mmengine.utils.dl_utils import collect_env; collect_env(); print(compat.APPLIED)')
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'fix_torchvision_topilimage' in res.stdout and 'fix_mmpose_transformer_heads' in res.stdout


def test_history_buffer_pickles_without_function_references(tmp_path):
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer([1.0, 3.0], [1, 1])
    path = tmp_path / 'b.pth'
    torch.save(buf, path)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []
    back = torch.load(path, weights_only=True)
    assert back.mean() == 2.0 and back.statistics('max') == 3.0


def test_checkpoint_writes_are_atomic(tmp_path):
    """A write that dies half-way leaves the previous file intact and no partial file behind."""
    from mmengine.fileio.backends.local_backend import LocalBackend

    assert getattr(LocalBackend.put, '_mg_posec3d', False)  # mmengine's writer is wrapped
    target = tmp_path / 'latest.pth'
    LocalBackend().put(b'good', target)

    def dies_half_way(self, obj, filepath):
        with open(filepath, 'wb') as f:
            f.write(obj[:2])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compat.atomic_write(dies_half_way)(None, b'bad!', target)
    assert target.read_bytes() == b'good'
    assert [p.name for p in tmp_path.iterdir()] == ['latest.pth']


def test_atomic_write_fix_is_decided_by_behaviour():
    """The fix is applied because mmengine's writer destroys the old file when a write fails (probed), and the
    probe passes our wrapped writer, i.e. an upstream writer that is atomic would be left alone."""
    from mmengine.fileio.backends.local_backend import LocalBackend

    for name in ('put', 'put_text'):
        ours = getattr(LocalBackend, name)
        assert compat._replaces_before_complete(ours.__wrapped__)   # mmengine 0.10.x: open(path, 'w') first
        assert not compat._replaces_before_complete(ours)
    assert compat.fix_atomic_checkpoint_write() is False   # nothing left to fix, nothing wrapped twice
    assert not hasattr(LocalBackend.put.__wrapped__, '__wrapped__')


def test_checkpoint_rotation_waits_for_the_new_checkpoint(tmp_path):
    """Old checkpoints are deleted only after the new one is saved (the end-to-end kill test is in
    tests/tools/test_train.py); last_checkpoint is replaced only once fully written."""
    import pytest
    from mmengine.hooks import CheckpointHook, checkpoint_hook

    assert getattr(CheckpointHook._save_checkpoint_with_step, '_mg_posec3d', False)
    assert compat.fix_checkpoint_rotation_after_save() is False   # idempotent
    latest = tmp_path / 'last_checkpoint'
    latest.write_text('work/epoch_1.pth')
    with pytest.raises(KeyboardInterrupt):
        with checkpoint_hook.open(str(latest), 'w') as f:   # what the hook calls
            f.write('work/epo')
            raise KeyboardInterrupt
    assert latest.read_text() == 'work/epoch_1.pth' and [p.name for p in tmp_path.iterdir()] == ['last_checkpoint']
    with checkpoint_hook.open(str(latest), 'w') as f:
        f.write('work/epoch_2.pth')
    assert latest.read_text() == 'work/epoch_2.pth'

    class Backend:
        def __init__(self):
            self.calls = []

        def remove(self, path):
            self.calls.append(('remove', path))

        def put(self, obj, path):
            self.calls.append(('put', path))

    class Hook:
        file_backend = Backend()

    def save(hook, runner, step, meta):   # mmengine's order: delete the oldest, then write the new one
        hook.file_backend.remove('epoch_1.pth')
        hook.file_backend.put(b'x', 'epoch_2.pth')

    hook = Hook()
    original = CheckpointHook._save_checkpoint_with_step
    try:
        CheckpointHook._save_checkpoint_with_step = save
        CheckpointHook._save_checkpoint_with_step._mg_posec3d = False
        compat.fix_checkpoint_rotation_after_save()
        CheckpointHook._save_checkpoint_with_step(hook, None, 2, {})
    finally:
        CheckpointHook._save_checkpoint_with_step = original
    assert hook.file_backend.calls == [('put', 'epoch_2.pth'), ('remove', 'epoch_1.pth')]
