"""tools/dist_*.sh and tools/slurm_*.sh: what they would run, checked with fake `srun` and `python` programs
(written by the tests) that print their arguments instead of running anything. The oracle for the Slurm
options is mmaction2's own slurm_train.sh, run with the same fake srun."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

TOOLS = os.path.join(REPO, 'tools')
CONFIG = 'configs/demo/joint.py'  # relative: the scripts must pass it on unchanged (no cd)
# Fixture program (written by the tests): print argv and the launcher variables as one JSON line.
FAKE = f'''#!{sys.executable}
import json, os, sys
print(json.dumps(dict(prog=os.path.basename(sys.argv[0]), argv=sys.argv[1:], master_port=os.environ.get('MASTER_PORT'),
                      pythonpath=os.environ.get('PYTHONPATH', ''))))
'''


@pytest.fixture
def fakes(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name in ('srun', 'python'):
        (bin_dir / name).write_text(FAKE)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def run(script, *args, fakes, cwd=REPO, **env):
    full_env = {k: v for k, v in os.environ.items()
                if k not in ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS', 'MASTER_PORT', 'PORT', 'NNODES',
                             'NODE_RANK', 'MASTER_ADDR', 'PYTHON')}
    full_env.update(PATH=f'{fakes}{os.pathsep}{os.environ["PATH"]}', PYTHON=str(fakes / 'python'), **env)
    path = script if os.path.isabs(script) else os.path.join(TOOLS, script)
    return subprocess.run(['bash', path, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60)


def called(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_dist_train_runs_torchrun_with_mmaction2s_argument_order(fakes):
    got = called(run('dist_train.sh', CONFIG, '2', '--work-dir', 'w', '--cfg-options', 'a=1', fakes=fakes))
    assert got['prog'] == 'python'
    assert got['argv'] == ['-m', 'torch.distributed.run', '--nnodes=1', '--node_rank=0', '--master_addr=127.0.0.1',
                           '--nproc_per_node=2', '--master_port=29500', os.path.join(TOOLS, 'train.py'), CONFIG,
                           '--launcher', 'pytorch', '--work-dir', 'w', '--cfg-options', 'a=1']
    assert got['pythonpath'].split(os.pathsep)[0] == REPO  # the checkout's package, as mmaction2's scripts do


def test_dist_test_passes_checkpoint_and_multi_node_settings(fakes, tmp_path):
    ckpt = tmp_path / 'epoch_1.pth'
    ckpt.write_bytes(b'')
    got = called(run('dist_test.sh', CONFIG, str(ckpt), '4', '--dump', 's.npz', fakes=fakes,
                     NNODES='2', NODE_RANK='1', MASTER_ADDR='10.0.0.5', PORT='29600'))
    assert got['argv'] == ['-m', 'torch.distributed.run', '--nnodes=2', '--node_rank=1', '--master_addr=10.0.0.5',
                           '--nproc_per_node=4', '--master_port=29600', os.path.join(TOOLS, 'test.py'), CONFIG,
                           str(ckpt), '--launcher', 'pytorch', '--dump', 's.npz']


def test_scripts_work_from_another_folder(fakes, tmp_path):
    """Relative paths stay relative to the caller's folder; the tool is found through the script's own path."""
    (tmp_path / 'my.py').write_text('_base_ = []\n')
    got = called(run(os.path.join(TOOLS, 'slurm_train.sh'), 'gpu', 'job', 'my.py', fakes=fakes, cwd=tmp_path))
    assert got['argv'][-4:] == ['-u', os.path.join(TOOLS, 'train.py'), 'my.py', '--launcher=slurm']


def _mmaction_script(name: str) -> str:
    import mmaction

    path = os.path.join(os.path.dirname(mmaction.__file__), '.mim', 'tools', name)
    if not os.path.isfile(path):
        pytest.skip(f'this mmaction2 install has no {name}')
    return path


@pytest.mark.parametrize('env', [{}, {'GPUS': '16', 'GPUS_PER_NODE': '8', 'CPUS_PER_TASK': '6'},
                                 {'SRUN_ARGS': '--time=2:00:00 --mem=64G'}], ids=['defaults', 'two-nodes', 'srun-args'])
def test_slurm_train_matches_mmaction2s_srun_call(fakes, env):
    ours = called(run('slurm_train.sh', 'gpu', 'mg_joint', CONFIG, '--work-dir', 'w', fakes=fakes, **env))
    theirs = called(run(_mmaction_script('slurm_train.sh'), 'gpu', 'mg_joint', CONFIG, '--work-dir', 'w',
                        fakes=fakes, **env))
    assert ours['prog'] == theirs['prog'] == 'srun'
    split = ours['argv'].index(str(fakes / 'python'))
    # the same srun options; then the same python call, with our tool instead of mmaction2's train.py
    assert ours['argv'][:split] == theirs['argv'][:theirs['argv'].index('python')]
    assert ours['argv'][split + 1:] == ['-u', os.path.join(TOOLS, 'train.py'), CONFIG, '--launcher=slurm',
                                        '--work-dir', 'w']
    assert theirs['argv'][theirs['argv'].index('python') + 1:] == ['-u', 'tools/train.py', CONFIG, '--launcher=slurm',
                                                                  '--work-dir', 'w']
    assert 12000 <= int(ours['master_port']) < 32000


def test_slurm_train_srun_options_by_hand(fakes):
    got = called(run('slurm_train.sh', 'gpu', 'mg_joint', CONFIG, fakes=fakes,
                     SRUN_ARGS='--time=2:00:00 --mem=64G', GPUS='2', MASTER_PORT='23456'))
    assert got['argv'] == ['-p', 'gpu', '--job-name=mg_joint', '--gres=gpu:2', '--ntasks=2', '--ntasks-per-node=2',
                           '--cpus-per-task=5', '--kill-on-bad-exit=1', '--time=2:00:00', '--mem=64G',
                           str(fakes / 'python'), '-u', os.path.join(TOOLS, 'train.py'), CONFIG, '--launcher=slurm']
    assert got['master_port'] == '23456'  # a given port is kept


def test_slurm_test_matches_mmaction2s_srun_call(fakes, tmp_path):
    ckpt = tmp_path / 'best.pth'
    ckpt.write_bytes(b'')
    ours = called(run('slurm_test.sh', 'gpu', 'mg_test', CONFIG, str(ckpt), '--dump', 's.npz', fakes=fakes))
    theirs = called(run(_mmaction_script('slurm_test.sh'), 'gpu', 'mg_test', CONFIG, str(ckpt), '--dump', 's.npz',
                        fakes=fakes))
    split = ours['argv'].index(str(fakes / 'python'))
    assert ours['argv'][:split] == theirs['argv'][:theirs['argv'].index('python')]
    assert ours['argv'][split + 1:] == ['-u', os.path.join(TOOLS, 'test.py'), CONFIG, str(ckpt), '--launcher=slurm',
                                        '--dump', 's.npz']


@pytest.mark.parametrize('script,args,usage', [
    ('dist_train.sh', [CONFIG], 'CONFIG GPUS [train.py options]'),
    ('dist_test.sh', [CONFIG, 'x.pth'], 'CONFIG CHECKPOINT GPUS [test.py options]'),
    ('slurm_train.sh', ['gpu', 'job'], 'PARTITION JOB_NAME CONFIG [train.py options]'),
    ('slurm_test.sh', ['gpu', 'job', CONFIG], 'PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]'),
])
def test_missing_arguments_print_usage(fakes, script, args, usage):
    result = run(script, *args, fakes=fakes)
    assert result.returncode == 2 and result.stdout == ''  # nothing was launched
    assert result.stderr == f'usage: {os.path.join(TOOLS, script)} {usage}\n'


@pytest.mark.parametrize('script,args,env,error', [
    ('dist_train.sh', ['configs/nope.py', '2'], {}, 'config configs/nope.py does not exist'),
    ('dist_train.sh', [CONFIG, 'two'], {}, "GPUS must be a positive integer, got 'two'"),
    ('dist_test.sh', [CONFIG, 'missing.pth', '1'], {}, 'checkpoint missing.pth does not exist'),
    ('slurm_train.sh', ['gpu', 'job', CONFIG], {'GPUS': '0'}, "GPUS must be a positive integer, got '0'"),
    ('slurm_train.sh', ['gpu', 'job', CONFIG], {'CPUS_PER_TASK': '-1'},
     "CPUS_PER_TASK must be a positive integer, got '-1'"),
    ('slurm_test.sh', ['gpu', 'job', CONFIG, 'missing.pth'], {}, 'checkpoint missing.pth does not exist'),
])
def test_bad_arguments_fail_before_launching(fakes, script, args, env, error):
    result = run(script, *args, fakes=fakes, **env)
    assert result.returncode == 2 and result.stdout == ''
    assert result.stderr == f'error: {error}\n'
