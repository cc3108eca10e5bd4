"""End-to-end training on a real subset of the bundled sample: the loss falls, a SIGKILLed run resumes to the
planned iteration count, 2-process (gloo) training works on CPU, and tools/test.py dumps scores by id."""
import glob
import json
import os
import signal
import subprocess
import time

import numpy as np
import pytest
import torch

from mg_posec3d.evaluation.curves import read_scalars
from mg_posec3d.fileio import load_scores, safe_load_pickle
from tests.conftest import PYTHON, REPO

pytestmark = pytest.mark.slow
CONFIG = os.path.join(REPO, 'configs', 'demo', 'joint.py')
ITERS_PER_EPOCH = 48 // 8  # 48 training clips, batch 8


def _options(ann: str, epochs: int) -> list:
    opts = [f'train_cfg.max_epochs={epochs}', f'param_scheduler.0.T_max={epochs}', 'default_hooks.logger.interval=1',
            'train_dataloader.dataset.pipeline.0.clip_len=8', 'val_dataloader.dataset.pipeline.0.clip_len=8',
            'test_dataloader.dataset.pipeline.0.clip_len=8', 'train_dataloader.batch_size=8', 'randomness.seed=0']
    for key in ('train', 'val', 'test'):
        opts += [f'{key}_dataloader.dataset.ann_file={ann}', f'{key}_dataloader.num_workers=0',
                 f'{key}_dataloader.persistent_workers=False']
    return opts


def _train_cmd(work_dir, ann, epochs, *extra):
    return [PYTHON, os.path.join(REPO, 'tools', 'train.py'), CONFIG, '--work-dir', str(work_dir), *extra,
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
    res = subprocess.run([PYTHON, os.path.join(REPO, 'tools', 'test.py'), CONFIG, str(work / 'epoch_4.pth'),
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


def test_sigkill_mid_epoch_then_resume_finishes_the_schedule(tmp_path, small_sample):
    work = tmp_path / 'run'
    proc = subprocess.Popen(_train_cmd(work, small_sample, 3), cwd=REPO, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 400
    while not (work / 'last_checkpoint').exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # now inside epoch 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (work / 'epoch_1.pth').exists() and not (work / 'epoch_3.pth').exists()

    res = subprocess.run(_train_cmd(work, small_sample, 3, '--resume'), cwd=REPO, env=_env(), capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    log = open(sorted(glob.glob(str(work / '*' / '*.log')))[-1]).read()
    assert 'Load checkpoint from' in log and 'resumed epoch' in log
    assert _meta(work / 'epoch_3.pth')['iter'] == 3 * ITERS_PER_EPOCH
    assert _meta(work / 'epoch_3.pth')['epoch'] == 3


def test_two_process_distributed_training_on_cpu(tmp_path, small_sample):
    work = tmp_path / 'dist'
    cmd = [PYTHON, '-m', 'torch.distributed.run', '--nproc_per_node=2', '--master_port=29533',
           os.path.join(REPO, 'tools', 'train.py'), CONFIG, '--launcher', 'pytorch', '--work-dir', str(work),
           '--cfg-options', *_options(small_sample, 1)]
    res = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    # each of the 2 ranks sees half of the 48 clips: 3 iterations of 8 per epoch
    assert _meta(work / 'epoch_1.pth')['iter'] == ITERS_PER_EPOCH // 2
