import os

import numpy as np
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


def test_mmengine_checkpoint_loads_with_weights_only(tmp_path):
    """An mmengine-style checkpoint (message hub history, numpy scalars) loads under weights_only=True."""
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer()
    buf.update(np.float64(0.5))
    ckpt = dict(meta=dict(epoch=1, best=np.float64(0.75)), state_dict={'w': torch.ones(2)},
                message_hub=dict(log_scalars={'train/loss': buf}, runtime_info={'acc': np.float32(0.5)}))
    path = tmp_path / 'c.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['meta']['best'] == 0.75
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 0.5
    assert compat.fix_torch_weights_only() is False


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
    assert compat.fix_history_buffer_pickle() is False


def test_checkpoint_writes_are_atomic(tmp_path):
    """A write that dies half-way leaves the previous file intact and no partial file behind."""
    import pytest
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
