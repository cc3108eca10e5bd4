"""Every tool in tools/ ends a failure with exactly one ``error:`` line on stderr and exit status 2, shows the
traceback only with ``--debug``, refuses existing outputs before doing any work, and answers ``--help``
without side effects. The bad inputs are generated here (empty folders, copies of the bundled sample,
placeholder files holding b'mine')."""
import glob
import importlib
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from mg_posec3d.cli_utils import EXIT_INTERRUPTED, UserError, error_line, run_cli, wants_debug
from tests.conftest import PYTHON, REPO, SAMPLE, tool_path

DEMO_JOINT = os.path.join(REPO, 'configs', 'demo', 'joint.py')
VIDEOS = os.path.join(REPO, 'tests', 'data', 'videos')
LABELS = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_sample', 'labels.txt')
MINE = b'mine'


def tool(name):
    """The tool <name>.py (tools/, tools/data/, tools/analysis/ or demo/) as a module."""
    module = os.path.relpath(tool_path(name), REPO)[:-len('.py')].replace(os.sep, '.')
    return importlib.import_module(module)


def existing(path) -> str:
    """A placeholder file where a tool's output would go (the tool must leave it as it is)."""
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(MINE)
    return str(path)


def one_error_line(name, argv, capsys) -> str:
    code = tool(name).main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert 'Traceback' not in err
    lines = [ln for ln in err.splitlines() if 'error:' in ln]
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    return err[err.index('error: '):].rstrip('\n')


# ------------------------------------------------------------------------------------------------ the helper
def _deep_keyerror():
    return {}['num_classes']  # raised in tests/, i.e. outside the package: a stand-in for mmengine internals


def test_error_line_words():
    assert error_line(UserError('config x.py does not exist')) == 'error: config x.py does not exist'
    with pytest.raises(KeyError) as e:
        _deep_keyerror()
    assert error_line(e.value) == "error: KeyError: 'num_classes' (run with --debug for the traceback)"
    # a ValueError from our own code is worded for the user; numpy's is not, so it gets its type and the hint
    from mg_posec3d.fileio import load_scores
    with pytest.raises(FileNotFoundError) as e:
        load_scores('nope.npz')
    assert error_line(e.value) == 'error: nope.npz: no such score dump'
    import numpy as np
    with pytest.raises(ValueError) as e:
        np.zeros(3).reshape(2, 2)
    assert re.fullmatch(r'error: ValueError: cannot reshape .* \(run with --debug for the traceback\)',
                        error_line(e.value))


def test_run_cli_rule(capsys):
    def interrupted():
        raise KeyboardInterrupt

    assert run_cli(_deep_keyerror) == 2
    assert capsys.readouterr().err == "error: KeyError: 'num_classes' (run with --debug for the traceback)\n"
    with pytest.raises(KeyError):
        run_cli(_deep_keyerror, debug=True)
    assert run_cli(interrupted) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == 'interrupted\n'
    with pytest.raises(KeyboardInterrupt):
        run_cli(interrupted, debug=True)
    assert wants_debug(['a', '--debug']) and not wants_debug(['--', '--debug']) and not wants_debug(['--debugx'])


# ------------------------------------------------------------------------------------------------ per tool
def _test_default_dump(tmp):
    existing(tmp / 'w' / 'scores_test_model.npz')  # the default dump of model.pth on the demo test split
    return [DEMO_JOINT, tmp / 'model.pth', '--work-dir', tmp / 'w']


def _extract_vis(tmp):
    existing(tmp / 'vis' / 'basketball_426x240.mp4')  # an overlay --vis would write
    return [VIDEOS, '--out', tmp / 'o.pkl', '--vis', tmp / 'vis', '--no-progress']


# name: (tool, argv built in tmp, the error line, the exception --debug lets through)
CASES = {
    'train: missing config': (
        'train', lambda tmp: [tmp / 'nope.py'], r'error: config .*nope\.py does not exist .*', UserError),
    'test: missing checkpoint': (
        'test', lambda tmp: [DEMO_JOINT, tmp / 'x.pth', '--work-dir', tmp / 'w'],
        r'error: checkpoint .*x\.pth does not exist', UserError),
    'test: existing default dump': (
        'test', _test_default_dump, r'error: .*w/scores_test_model\.npz exists; pass --overwrite to replace it',
        FileExistsError),
    'test --ensemble: missing dump': (
        'test', lambda tmp: ['--ensemble', tmp / 'a.npz', tmp / 'b.npz', '--work-dir', tmp / 'w'],
        r'error: .*a\.npz: no such score dump', FileNotFoundError),
    'test --ensemble: --work-dir is a file': (
        'test', lambda tmp: ['--ensemble', tmp / 'a.npz', '--work-dir', existing(tmp / 'wd')],
        r'error: .*wd is a file, not a folder; give a folder path', FileExistsError),
    'convert_miga: existing --out': (
        'convert_miga', lambda tmp: ['--split', f'train={tmp}', '--out', existing(tmp / 'o.pkl')],
        r'error: .*o\.pkl exists; pass --overwrite to replace it', FileExistsError),
    'convert_miga: bad --split': (
        'convert_miga', lambda tmp: ['--split', 'train', '--out', tmp / 'o.pkl'],
        r"error: --split 'train' must be NAME=PATH", UserError),
    'convert_pose: existing --out': (
        'convert_pose', lambda tmp: [SAMPLE, '--source', 'reach_to_grasp50', '--out', existing(tmp / 'o.pkl')],
        r'error: .*o\.pkl exists; pass --overwrite to replace it', FileExistsError),
    'convert_pose: missing input': (
        'convert_pose', lambda tmp: [tmp / 'in.pkl', '--source', 'reach_to_grasp50', '--out', tmp / 'o.pkl'],
        r'error: .*in\.pkl: no such file', FileNotFoundError),
    'extract_pose: existing --vis video': (
        'extract_pose', _extract_vis, r'error: .*vis/basketball_426x240\.mp4 exists; pass --overwrite to replace it',
        FileExistsError),
    'build_label_embeddings: existing --out': (
        'build_label_embeddings', lambda tmp: [LABELS, '--out', existing(tmp / 'e.npy')],
        r'error: .*e\.npy exists; pass --overwrite to replace it', FileExistsError),
    'pair_rgb: existing --report': (
        'pair_rgb', lambda tmp: [SAMPLE, VIDEOS, '--out', tmp / 'o.pkl', '--report', existing(tmp / 'r.json')],
        r'error: .*r\.json exists; pass --overwrite to replace it', FileExistsError),
    'demo: existing --out-video': (  # the checkpoint does not exist: the output is checked before any model
        'demo', lambda tmp: [VIDEOS, DEMO_JOINT, tmp / 'missing.pth', '--out-video', existing(tmp / 'o.mp4')],
        r'error: .*o\.mp4 exists; pass --overwrite to replace it', FileExistsError),
    'draw_layout: existing --out': (
        'draw_layout', lambda tmp: ['--ann', SAMPLE, '--out', existing(tmp / 'l.png')],
        r'error: .*l\.png exists; pass --overwrite to replace it', FileExistsError),
    'draw_layout: unknown clip': (
        'draw_layout', lambda tmp: ['--ann', SAMPLE, '--clip', 'ghost', '--out', tmp / 'l.png'],
        r"error: .*rtg_miga22\.pkl: no clip 'ghost' \(frame_dir\); the file has e\.g\. \[.*\]", UserError),
    'benchmark: existing --json': (
        'benchmark', lambda tmp: ['--json', existing(tmp / 'b.json')],
        r'error: .*b\.json exists; pass --overwrite to replace it', FileExistsError),
    'benchmark_rgbpose: --iters 0': (
        'benchmark_rgbpose', lambda tmp: ['--iters', '0'], r'error: --iters must be >= 1, got 0', UserError),
}


@pytest.mark.parametrize('case', list(CASES))
def test_tool_failure_is_one_error_line_and_debug_shows_the_traceback(case, tmp_path, capsys):
    name, argv, pattern, exc = CASES[case]
    argv = [str(a) for a in argv(tmp_path)]
    placeholders = [p for p in argv if p.startswith(str(tmp_path)) and os.path.isfile(p)]
    message = one_error_line(name, argv, capsys)
    assert re.fullmatch(pattern, message, re.S), message
    assert all(open(p, 'rb').read() == MINE for p in placeholders)  # left as they were
    with pytest.raises(exc):
        tool(name).main(argv + ['--debug'])


def test_run_demo_step_failure_is_one_error_line(monkeypatch, capsys, tmp_path):
    mod = tool('run_demo')
    calls = []

    class FailingTraining:  # STUB for the training processes: they fail, as a failing tool does
        def __init__(self, cmd, **kwargs):
            calls.append(cmd)
            kwargs['stdout'].write('error: the reason, as the tool printed it\n')

        def wait(self):
            return 2

    monkeypatch.setattr(mod.subprocess, 'Popen', FailingTraining)
    monkeypatch.setattr(mod, 'OUT', str(tmp_path / 'demo'))  # not the repository's work_dirs/demo
    message = one_error_line('run_demo', [], capsys)
    assert re.fullmatch(r'error: demo step tools/train\.py exited with status 2 \(the reason, as the tool printed '
                        r'it\): python tools/train\.py configs/demo/joint\.py .*demo/joint/train\.log\)', message)
    assert len(calls) == 2  # joint and limb were started side by side; nothing ran after them
    with pytest.raises(UserError):
        mod.main(['--debug'])
    assert calls[-1][-1] == '--debug'  # the step itself is asked for its traceback too


def test_unexpected_error_deep_inside_gets_type_and_hint(tmp_path, monkeypatch, capsys):
    def remap(*args, **kwargs):
        return _deep_keyerror()

    monkeypatch.setattr(tool('convert_pose'), 'remap_dataset', remap)
    message = one_error_line('convert_pose', [SAMPLE, '--source', 'reach_to_grasp50', '--out', tmp_path / 'o.pkl'],
                             capsys)
    assert message == "error: KeyError: 'num_classes' (run with --debug for the traceback)"
    assert not (tmp_path / 'o.pkl').exists()


def test_dump_onto_an_annotation_pickle_is_refused_before_anything_runs(tmp_path, capsys, monkeypatch):
    from mmengine.runner import Runner

    ann = tmp_path / 'ann.pkl'
    shutil.copy(SAMPLE, ann)
    before = ann.read_bytes()
    built = []
    monkeypatch.setattr(Runner, 'from_cfg', classmethod(lambda cls, cfg: built.append(cfg)))
    # the checkpoint does not even exist: the error is about the dump, so outputs are checked first
    argv = [DEMO_JOINT, tmp_path / 'missing.pth', '--dump', ann, '--work-dir', tmp_path / 'w']
    start = time.perf_counter()
    for overwrite in ([], ['--overwrite']):  # a dump never lands on a pickle that is not a dump, even with it
        message = one_error_line('test', argv + overwrite, capsys)
        assert message == (f'error: --dump {ann}: this file is an annotation file or another pickle, not a score '
                           'dump; refusing to replace it (even with --overwrite)')
    # nor on the config's own annotation file (configs/demo/joint.py reads the bundled sample), nor on a .pth
    message = one_error_line('test', argv[:3] + [SAMPLE] + argv[4:] + ['--overwrite'], capsys)
    assert message.startswith(f'error: --dump {SAMPLE}: this file is an annotation file')
    message = one_error_line('test', argv[:3] + [tmp_path / 'model.pth'] + argv[4:], capsys)
    assert message == (f'error: --dump {tmp_path / "model.pth"}: a score dump is an .npz file (ours) or a .pkl file '
                       "(mmaction2's format); give a path ending in .npz or .pkl")
    # an existing .npz dump: refused without --overwrite
    dump = existing(tmp_path / 'old.npz')
    message = one_error_line('test', argv[:3] + [dump] + argv[4:], capsys)
    seconds = time.perf_counter() - start
    assert message == f'error: {dump} exists; pass --overwrite to replace it'
    assert ann.read_bytes() == before and open(dump, 'rb').read() == MINE
    assert not built and not (tmp_path / 'w').exists()
    assert seconds < 5, seconds  # config parsing only: no model, no checkpoint, no annotation loading


@pytest.mark.slow
def test_debug_shows_the_real_traceback(tmp_path):
    """The real entry point with --debug: Python's own traceback and exit status (the error line without
    --debug is checked in-process above, for every tool)."""
    argv = [PYTHON, tool_path('convert_pose'), str(tmp_path / 'in.pkl'), '--source',
            'reach_to_grasp50', '--out', str(tmp_path / 'o.pkl'), '--debug']
    debug = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert debug.returncode == 1 and debug.stderr.startswith('Traceback (most recent call last):')
    assert debug.stderr.rstrip().endswith(f'FileNotFoundError: {tmp_path / "in.pkl"}: no such file')
    assert 'error:' not in debug.stderr


# ------------------------------------------------------------------------------------------------ --help
HELP_DRIVER = r'''
import contextlib, io, json, runpy, sys
result = {}
for path in sys.argv[1:]:
    sys.argv = [path, '--help']
    out = io.StringIO()
    code = 'returned without exiting'
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(path, run_name='__main__')
        except SystemExit as e:
            code = e.code
    result[path] = [code, out.getvalue()]
print(json.dumps(result))
'''


def _listing(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs + ['.'])


@pytest.mark.slow
def test_help_of_every_tool_exits_0_and_writes_nothing(tmp_path):
    tools = sorted(p for folder in ('tools', 'tools/data', 'tools/analysis', 'demo')
                   for p in glob.glob(os.path.join(REPO, folder, '*.py')))
    work_dirs = os.path.join(REPO, 'work_dirs')
    repo_before = _listing(work_dirs) if os.path.isdir(work_dirs) else None
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    proc = subprocess.run([PYTHON, '-c', HELP_DRIVER, *tools], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(result) == len(tools) >= 12
    for path, (code, out) in result.items():
        assert code == 0 and out.startswith('usage: '), (path, code, out[:300])
        assert '--debug' in out, path
    assert os.listdir(tmp_path) == []  # no file in the working directory (run_demo used to start training)
    assert (_listing(work_dirs) if os.path.isdir(work_dirs) else None) == repo_before
