"""Checkpoint loading (mg_posec3d.fileio.checkpoint) on real mmengine checkpoints from a one-iteration training
of the demo config (fixture ``tiny_run``): resume never runs text from the file, the file needs nothing beyond
torch's weights-only set but mmengine's HistoryBuffer, trust is scoped to one file, and a checkpoint must fit
the model (test/demo) or says how well it fits (load_from)."""
import glob
import os

import pytest
import torch

from mg_posec3d.fileio.checkpoint import CheckpointError, compare_state_dicts, load_checkpoint, trusted_checkpoint
from tests.fileio.conftest import DEMO_CONFIG, load_tool, tiny_options

pytestmark = pytest.mark.slow


class _TouchMarker:
    """A real code-execution payload: unpickling it creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}',)


def _latest_log(work) -> str:
    return open(sorted(glob.glob(os.path.join(str(work), '*', '*.log')))[-1]).read()


def test_resume_never_runs_the_config_text_stored_in_the_checkpoint(tiny_run, tmp_path):
    """mmengine's Runner.resume passes meta['config'] to Config.fromstring(..., '.py'), i.e. runs it."""
    ann, work = tiny_run
    marker = tmp_path / 'pwned'
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()\nx = 1\n"
    ckpt = torch.load(work / 'epoch_1.pth', weights_only=True)
    ckpt['meta'].update(config=code, cfg=code)
    ckpt['message_hub']['runtime_info']['cfg'] = code
    payload = tmp_path / 'payload.pth'
    torch.save(ckpt, payload)  # data only: loads with weights_only=True

    resumed = tmp_path / 'resumed'
    argv = [DEMO_CONFIG, '--work-dir', str(resumed), '--resume', str(payload), '--cfg-options', *tiny_options(ann)]
    assert load_tool('train').main(argv) == 0
    assert not marker.exists()
    log = _latest_log(resumed)
    assert 'resumed epoch: 1, iter: 1' in log
    assert f'resume {payload}: ' in log and 'model tensors loaded, 0 skipped (shape mismatch)' in log


def test_our_checkpoints_need_only_history_buffer_beyond_torchs_own_weights_only_set(tiny_run):
    from mmengine.logging import HistoryBuffer

    path = tiny_run[1] / 'epoch_1.pth'
    ours = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()  # judge against torch's defaults alone
    try:
        assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == [
            'mmengine.logging.history_buffer.HistoryBuffer']
    finally:
        torch.serialization.add_safe_globals(ours)
    assert [g for g in ours if not g.__module__.startswith('torch.')] == [HistoryBuffer]  # what we add


def test_trust_is_scoped_to_one_file_and_leaves_the_environment_alone(tiny_run, tmp_path):
    ann, work = tiny_run
    marker = tmp_path / 'ran'
    trusted = tmp_path / 'trusted.pth'
    ckpt = torch.load(work / 'epoch_1.pth', weights_only=True)
    torch.save(dict(ckpt, extra=_TouchMarker(marker)), trusted)
    other = tmp_path / 'other.pth'
    torch.save(dict(ckpt, extra=_TouchMarker(tmp_path / 'other_ran')), other)

    dump = tmp_path / 'scores.npz'
    argv = [DEMO_CONFIG, str(trusted), '--trust-checkpoint', '--work-dir', str(tmp_path / 'test'), '--dump',
            str(dump), '--cfg-options', *tiny_options(ann)]
    assert load_tool('test').main(argv) == 0
    assert marker.exists() and dump.exists()  # the user's choice: full unpickling of that file
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ
    for path in (trusted, other):  # after the run, and for any other file, the rule is back
        with pytest.raises(CheckpointError, match='could not be loaded with weights_only=True'):
            load_checkpoint(path)
    with trusted_checkpoint(trusted), pytest.raises(CheckpointError, match=r'other\.pth could not be loaded'):
        load_checkpoint(other)
    assert not (tmp_path / 'other_ran').exists()

    marker.unlink()  # train.py --resume takes the same flag
    argv = [DEMO_CONFIG, '--work-dir', str(tmp_path / 'resumed'), '--resume', str(trusted), '--trust-checkpoint',
            '--cfg-options', *tiny_options(ann)]
    assert load_tool('train').main(argv) == 0 and marker.exists()
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ


def test_load_from_logs_what_was_loaded_skipped_and_missing(tiny_run, tmp_path):
    ann, work = tiny_run
    ckpt = torch.load(work / 'epoch_1.pth', weights_only=True)
    state = ckpt['state_dict']
    total = len(state)
    del state['backbone.conv1.conv.weight'], state['backbone.conv1.bn.weight']
    state['cls_head.fc_cls.weight'] = torch.zeros(5, 256)
    state['old_head.weight'] = torch.zeros(1)
    partial = tmp_path / 'partial.pth'
    torch.save({'state_dict': state}, partial)

    run = tmp_path / 'finetune'
    argv = [DEMO_CONFIG, '--work-dir', str(run), '--cfg-options', *tiny_options(ann), f'load_from={partial}']
    assert load_tool('train').main(argv) == 0
    assert (f'load_from {partial}: {total - 3} of {total} model tensors loaded, 1 skipped (shape mismatch), '
            f'1 unexpected (skipped), 2 missing') in _latest_log(run)


def test_resume_refuses_a_checkpoint_of_another_model(tiny_run, tmp_path, capsys):
    ann, work = tiny_run
    ckpt = torch.load(work / 'epoch_1.pth', weights_only=True)
    ckpt['state_dict'] = {'backbone.' + k: v for k, v in ckpt['state_dict'].items()}
    other = tmp_path / 'other_model.pth'
    torch.save(ckpt, other)
    argv = [DEMO_CONFIG, '--work-dir', str(tmp_path / 'r'), '--resume', str(other), '--cfg-options',
            *tiny_options(ann)]
    assert load_tool('train').main(argv) == 2
    err = capsys.readouterr().err
    assert f'error: checkpoint {other} does not fit the model of {DEMO_CONFIG}: ' in err
    assert 'model tensors missing (e.g. ' in err and 'unexpected. Wrong checkpoint for this config?' in err


def test_demo_models_load_only_checkpoints_that_fit(tiny_run, tmp_path):
    from mg_posec3d.apis.inference import load_model

    path = tiny_run[1] / 'epoch_1.pth'
    model = load_model(DEMO_CONFIG, str(path))
    saved = torch.load(path, weights_only=True)['state_dict']
    assert all(torch.equal(v, saved[k]) for k, v in model.model.state_dict().items())  # oracle: the file
    assert model.class_names == ['small', 'medium', 'large']

    empty = tmp_path / 'empty.pth'
    torch.save({'state_dict': {'unrelated.weight': torch.zeros(1)}}, empty)
    with pytest.raises(CheckpointError, match=rf'checkpoint {empty} does not fit the model of .*joint\.py: '
                                              rf'{len(saved)} of {len(saved)} model tensors missing'):
        load_model(DEMO_CONFIG, str(empty))


def test_fit_report_counts_by_hand():
    model = {'a': torch.zeros(2), 'b': torch.zeros(3, 4), 'c': torch.zeros(1)}
    ckpt = {'a': torch.ones(2), 'b': torch.ones(4, 3), 'z': torch.ones(1)}
    report = compare_state_dicts(model, ckpt)
    assert (report.loaded, report.missing, report.unexpected) == (['a'], ['c'], ['z'])
    assert report.mismatched == [('b', (4, 3), (3, 4))] and not report.ok
    assert report.counts() == ('1 of 3 model tensors loaded, 1 skipped (shape mismatch), 1 unexpected (skipped), '
                               '1 missing')
    assert report.problems() == ("1 of 3 model tensors missing (e.g. 'c'); 1 with another shape (e.g. 'b': "
                                 "(4, 3) in the checkpoint, (3, 4) in the model); 1 unexpected")
