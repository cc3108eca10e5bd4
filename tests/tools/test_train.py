"""End-to-end training on a real subset of the bundled sample: the loss falls, a SIGKILLed run resumes to the
planned iteration count, 2-process (gloo) training works on CPU, and tools/test.py dumps scores by id."""
from __future__ import annotations

import glob
import json
import os
import re
import signal
import subprocess
import time

import numpy as np
import pytest
import torch

from mg_posec3d.evaluation.curves import read_scalars
from mg_posec3d.fileio import load_scores, safe_load_pickle
from tests.conftest import PYTHON, REPO, tool_path

pytestmark = pytest.mark.slow
CONFIG = os.path.join(REPO, 'configs', 'demo', 'joint.py')
ITERS_PER_EPOCH = 48 // 8  # 48 training clips, batch 8


def _options(ann: str, epochs: int) -> list:
    opts = [f'train_cfg.max_epochs={epochs}', f'param_scheduler.0.T_max={epochs}', 'default_hooks.logger.interval=1',
            'train_cfg.val_begin=1', 'train_cfg.val_interval=1',
            'train_dataloader.dataset.pipeline.0.clip_len=8', 'val_dataloader.dataset.pipeline.0.clip_len=8',
            'test_dataloader.dataset.pipeline.0.clip_len=8', 'train_dataloader.batch_size=8', 'randomness.seed=0']
    for key in ('train', 'val', 'test'):
        opts += [f'{key}_dataloader.dataset.ann_file={ann}', f'{key}_dataloader.num_workers=0',
                 f'{key}_dataloader.persistent_workers=False']
    return opts


def _train_cmd(work_dir, ann, epochs, *extra):
    return [PYTHON, tool_path('train'), CONFIG, '--work-dir', str(work_dir), *extra,
            '--cfg-options', *_options(ann, epochs)]


def _env():
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')


def _scalars(work_dir):
    rows = []
    for path in sorted(glob.glob(os.path.join(str(work_dir), '*', 'vis_data', 'scalars.json'))):
        rows += [json.loads(line) for line in open(path)]
    return rows


def _meta(ckpt):
    return torch.load(ckpt, map_location='cpu', weights_only=True)['meta']


def test_training_lowers_the_loss_and_test_dumps_scores(tmp_path, small_sample):
    work = tmp_path / 'run'
    res = subprocess.run(_train_cmd(work, small_sample, 4), cwd=REPO, env=_env(), capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    losses = [r['loss'] for r in _scalars(work) if 'loss' in r]
    assert len(losses) == 4 * ITERS_PER_EPOCH
    assert np.mean(losses[-4:]) < 0.7 * np.mean(losses[:4])
    assert all(np.isfinite([r['loss_cls'] for r in _scalars(work) if 'loss_cls' in r]))
    assert _meta(work / 'epoch_4.pth')['iter'] == 4 * ITERS_PER_EPOCH
    # the curves PNG written when training ended, from this run's log: losses and the 4 validations
    logged = read_scalars(work)
    assert logged.loss_keys == ['loss', 'loss_cls', 'loss_emb'] and 'acc/top1' in logged.val_keys
    assert [r['step'] for r in logged.val] == [1, 2, 3, 4]
    assert os.path.getsize(os.path.join(os.path.dirname(os.path.dirname(logged.path)), 'curves.png')) > 0

    dump = tmp_path / 'scores.npz'
    res = subprocess.run([PYTHON, tool_path('test'), CONFIG, str(work / 'epoch_4.pth'),
                          '--work-dir', str(tmp_path / 'test'), '--dump', str(dump), '--cfg-options',
                          *_options(small_sample, 4)], cwd=REPO, env=_env(), capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'acc/top1' in res.stdout
    scores = load_scores(dump)
    data = safe_load_pickle(small_sample)
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    assert sorted(scores.ids) == sorted(data['split']['test'])
    assert list(scores.labels) == [labels[i] for i in scores.ids]
    np.testing.assert_allclose(scores.scores.sum(1), 1, atol=1e-5)


# Test double loaded in the training subprocess through PYTHONPATH (sitecustomize runs at interpreter start). It
# stops the process at a known point, leaves a marker file saying where, and sleeps until the test SIGKILLs it:
# MG_PAUSE_AFTER_ITER=n: after training iteration n (counted from 1 over the schedule) is done and logged;
# MG_SLOW_SAVE=name: while writing the checkpoint file named name..., after half of its bytes are on disk.
PAUSE_HOOK = """
import os
import time

from mmengine.fileio.backends.local_backend import LocalBackend
from mmengine.runner.loops import EpochBasedTrainLoop


def pause(where):
    with open(os.environ['MG_PAUSE_MARK'], 'w') as mark:
        mark.write(where)
    time.sleep(600)


if 'MG_PAUSE_AFTER_ITER' in os.environ:
    _run_iter = EpochBasedTrainLoop.run_iter

    def run_iter(self, idx, data_batch):
        _run_iter(self, idx, data_batch)
        if self._iter == int(os.environ['MG_PAUSE_AFTER_ITER']):
            pause(f'after iteration {self._iter}')

    EpochBasedTrainLoop.run_iter = run_iter

if 'MG_SLOW_SAVE' in os.environ:
    _put = LocalBackend.put

    def put(self, obj, filepath):
        # the temporary file of fileio.atomic_path: '.<name>.<random>.tmp<ext>' next to the target
        if not os.path.basename(str(filepath)).startswith('.' + os.environ['MG_SLOW_SAVE'] + '.'):
            return _put(self, obj, filepath)
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
            f.flush()
            os.fsync(f.fileno())
            pause(f'{filepath} {len(obj)}')
            f.write(obj[len(obj) // 2:])

    LocalBackend.put = put
"""


def _run_until_paused(tmp_path, work, ann, epochs, *extra, **pause) -> str:
    """Start a training run with the pause hook, SIGKILL it once it has paused; returns where it paused."""
    hook, mark = tmp_path / 'pause_hook', tmp_path / 'paused'
    hook.mkdir(exist_ok=True)
    (hook / 'sitecustomize.py').write_text(PAUSE_HOOK)
    if mark.exists():
        mark.unlink()
    env = _env()
    env.update({k: str(v) for k, v in pause.items()}, MG_PAUSE_MARK=str(mark),
               PYTHONPATH=os.pathsep.join(filter(None, [str(hook), env.get('PYTHONPATH')])))
    proc = subprocess.Popen(_train_cmd(work, ann, epochs, *extra), cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 400
    while not mark.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert mark.exists(), f'the run did not reach the pause point: {proc.poll()} {proc.stderr.read()[-3000:]}'
    time.sleep(0.2)   # the marker is written before the sleep starts
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return mark.read_text()


def _logs(work) -> set:
    return set(glob.glob(str(work / '*' / '*.log')))


def _train_lines(log_path: str) -> list[tuple[int, int]]:
    """(epoch, iteration in the epoch) of every training log line (logger interval 1)."""
    text = open(log_path).read()
    return [(int(e), int(i)) for e, i in re.findall(r'Epoch\(train\)\s*\[\s*(\d+)\]\[\s*(\d+)/\d+\]', text)]


def _assert_epoch_1_is_the_valid_latest(work) -> None:
    assert not (work / 'epoch_2.pth').exists()
    assert (work / 'last_checkpoint').read_text().strip() == str(work / 'epoch_1.pth')
    meta = _meta(work / 'epoch_1.pth')   # loads completely
    assert (meta['epoch'], meta['iter']) == (1, ITERS_PER_EPOCH)


def _assert_resumed_from_epoch_1(log_path: str, work) -> None:
    text = open(log_path).read()
    assert f'Load checkpoint from {work / "epoch_1.pth"}' in text
    assert f'resumed epoch: 1, iter: {ITERS_PER_EPOCH}' in text
    assert _train_lines(log_path)[0] == (2, 1)   # it goes on with the first iteration of epoch 2


def test_sigkill_mid_epoch_and_mid_checkpoint_save_then_resume_finishes_the_schedule(tmp_path, small_sample):
    """One 2-epoch schedule in three runs: (1) SIGKILLed in epoch 2 after its first iteration, (2) resumed and
    SIGKILLed while writing epoch_2.pth with half of its bytes on disk, (3) resumed to the end. After each kill
    epoch_1.pth and last_checkpoint are intact and the next run resumes from epoch 1; the schedule ends at the
    planned iteration (2 x 6). The config keeps one checkpoint (max_keep_ckpts=1), so before the fix in
    compat.fix_checkpoint_rotation_after_save the kill in (2) left last_checkpoint naming a deleted file."""
    work = tmp_path / 'run'

    # 1. killed inside epoch 2: its first iteration is logged, its checkpoint not yet written
    assert _run_until_paused(tmp_path, work, small_sample, 2,
                             MG_PAUSE_AFTER_ITER=ITERS_PER_EPOCH + 1) == f'after iteration {ITERS_PER_EPOCH + 1}'
    (log1,) = _logs(work)
    assert _train_lines(log1) == [(1, i) for i in range(1, ITERS_PER_EPOCH + 1)] + [(2, 1)]
    _assert_epoch_1_is_the_valid_latest(work)

    # 2. resumed, killed in the middle of writing epoch_2.pth (the atomic write goes to a temporary file)
    before = _logs(work)
    written, size = _run_until_paused(tmp_path, work, small_sample, 2, '--resume', MG_SLOW_SAVE='epoch_2.pth')\
        .split(' ')
    assert os.path.basename(written).startswith('.epoch_2.pth.') and written.endswith('.tmp.pth')
    assert os.path.getsize(written) == int(size) // 2 > 0   # the kill landed mid-write
    (log2,) = _logs(work) - before
    _assert_resumed_from_epoch_1(log2, work)
    assert _train_lines(log2) == [(2, i) for i in range(1, ITERS_PER_EPOCH + 1)]
    _assert_epoch_1_is_the_valid_latest(work)

    # 3. resumed to the end of the schedule
    before = _logs(work)
    res = subprocess.run(_train_cmd(work, small_sample, 2, '--resume'), cwd=REPO, env=_env(), capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    (log3,) = _logs(work) - before
    _assert_resumed_from_epoch_1(log3, work)
    assert _train_lines(log3) == [(2, i) for i in range(1, ITERS_PER_EPOCH + 1)]
    assert (work / 'last_checkpoint').read_text().strip() == str(work / 'epoch_2.pth')
    meta = _meta(work / 'epoch_2.pth')
    assert (meta['epoch'], meta['iter']) == (2, 2 * ITERS_PER_EPOCH)
    assert not (work / 'epoch_1.pth').exists()   # max_keep_ckpts=1 still holds, once the new one is complete


def test_two_process_distributed_training_on_cpu(tmp_path, small_sample):
    work = tmp_path / 'dist'
    cmd = [PYTHON, '-m', 'torch.distributed.run', '--nproc_per_node=2', '--master_port=29533',
           tool_path('train'), CONFIG, '--launcher', 'pytorch', '--work-dir', str(work),
           '--cfg-options', *_options(small_sample, 1)]
    res = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    # each of the 2 ranks sees half of the 48 clips: 3 iterations of 8 per epoch
    assert _meta(work / 'epoch_1.pth')['iter'] == ITERS_PER_EPOCH // 2
