"""tools/gpu_check.sh on a machine without a GPU: argument handling (one `error:` line, exit 2, nothing written), and
the CPU fallback runs the benchmark and the paper-size training step end to end and prints the summary with its
figures labelled as not GPU figures. Also the GPU defaults a user of the paper configs gets without editing."""
import json
import os
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO

SCRIPT = os.path.join(REPO, 'tools', 'gpu_check.sh')
no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has a GPU: the fallback is not what runs')


def _run(*args, cwd=REPO, timeout=60):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    return subprocess.run(['bash', SCRIPT, '--python', sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize('args, message', [
    (['--bogus'], 'error: unknown argument --bogus (see tools/gpu_check.sh --help)'),
    (['--device', 'tpu'], 'error: --device must be auto, cuda or cpu, got tpu'),
    (['--out'], 'error: --out needs a directory'),
])
def test_bad_arguments_exit_2_with_one_line(args, message, tmp_path):
    res = _run(*args, cwd=tmp_path)
    assert (res.returncode, res.stderr.strip(), res.stdout) == (2, message, '')
    assert os.listdir(tmp_path) == []  # checked before anything is created


def test_help_has_no_side_effects(tmp_path):
    res = _run('--help', cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith('GPU readiness check') and '--skip-benchmark' in res.stdout
    assert res.stderr == '' and os.listdir(tmp_path) == []


@no_gpu
def test_cuda_without_a_gpu_is_refused(tmp_path):
    res = _run('--device', 'cuda', '--out', str(tmp_path / 'out'))
    assert (res.returncode, res.stderr.strip()) == (2, 'error: --device cuda but torch sees no CUDA device')


def test_existing_results_are_refused_without_overwrite(tmp_path):
    (tmp_path / 'train.log').write_text('an earlier run\n')
    res = _run('--out', str(tmp_path), '--device', 'cpu')
    assert res.returncode == 2
    assert res.stderr.strip() == (f'error: {tmp_path}/train.log exists (--overwrite to replace it, or --out another '
                                  'directory)')
    assert (tmp_path / 'train.log').read_text() == 'an earlier run\n'


@no_gpu
@pytest.mark.slow
def test_cpu_fallback_benchmarks_trains_and_summarises(tmp_path):
    out = tmp_path / 'out'
    res = _run('--out', str(out), timeout=180)
    assert res.returncode == 0, res.stderr[-2000:] + (out / 'train.log').read_text()[-3000:]
    text = res.stdout
    assert 'CPU fallback: no GPU used' in text and '**a. Pose pipeline per clip**' in text
    assert 'GPU check summary (CPU fallback, not GPU figures):' in text
    assert 'training: 2 iterations in' in text and 'time per iteration:' in text and 'data time:' in text
    assert 'peak GPU memory: - (no GPU)' in text
    bench = json.loads((out / 'benchmark.json').read_text())
    assert set(bench['render']) == {'48x32x32'} and bench['env']['device'] == 'cpu'
    log = (out / 'train.log').read_text()
    # the paper-size backbone trained through tools/train.py with the configs' GPU defaults, resolved for a CPU:
    # precision 'auto' is bf16 where the CPU has it natively (AVX512-BF16/AMX), else float32
    from mg_posec3d.models.precision import bf16_supported
    picked = 'bf16 autocast' if bf16_supported('cpu') else 'float32'
    assert f'training in {picked} on cpu, channels-last-3d' in log, log[-3000:]


def test_paper_configs_carry_the_gpu_defaults():
    for name in ('joint.py', 'limb.py'):
        cfg = Config.fromfile(os.path.join(REPO, 'configs', name))
        assert cfg.precision == 'auto' and cfg.channels_last and cfg.env_cfg.cudnn_benchmark
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            assert cfg[key].num_workers == 8 and cfg[key].persistent_workers, (name, key)
    gpu = Config.fromfile(os.path.join(REPO, 'configs', 'gpu', 'joint_rtg_sample.py'))
    assert gpu.model.data_preprocessor.type == 'HeatmapDataPreprocessor'
    assert gpu.model.backbone.stage_blocks == (4, 6, 3) and gpu.train_dataloader.batch_size == 16  # paper size
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipe = gpu[key].dataset.pipeline
        assert [t['type'] for t in pipe].count('PackPoseForHeatmap') == 1
        assert not any(t['type'] == 'FastGeneratePoseTarget' for t in pipe)
        assert 'heatmap_cfg' in pipe[-1]['meta_keys']
