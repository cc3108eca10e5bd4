"""``tools/test.py --ensemble`` end to end (its ``main`` in this process): search on val, apply to test, submit;
refusals; config/checkpoint pairs."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mg_posec3d.evaluation.submission import check_submission, load_test_ids
from tests.conftest import tool_path
from tools import test as test_tool

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def run(argv):
    return test_tool.main([str(a) for a in argv])


def test_search_on_val_then_submit_test(tmp_path, rtg, rtg_split_dumps, capsys):
    d = rtg_split_dumps
    wd = tmp_path / 'val'
    assert run(['--ensemble', d['joint', 'val'], d['limb', 'val'], '--search-weights', '--search-step', '0.1',
                '--work-dir', str(wd)]) == 0
    out = capsys.readouterr().out
    assert 'Weight search on 90 labelled samples' in out and 'gain over default' in out
    assert 'mean-class' in out and 'fused' in out
    saved = json.loads((wd / 'ensemble_weights.json').read_text())
    assert saved['gain'] >= 0 and saved['searched_on']['num_samples'] == 90
    for f in ('fused_per_class.csv', 'fused_confusion.png', 'input0_per_class.csv', 'input1_confusion.png',
              'fused_scores.npz', 'ensemble_metrics.json'):
        assert (wd / f).stat().st_size > 0, f
    metrics = json.loads((wd / 'ensemble_metrics.json').read_text())
    assert metrics['weights'] == pytest.approx(saved['weights'])
    assert metrics['fused_metrics']['top1'] == pytest.approx(saved['best']['metrics']['top1'])

    sub = tmp_path / 'upload'
    argv = ['--ensemble', d['joint', 'test'], d['limb', 'test'],
            '--weights-file', str(wd / 'ensemble_weights.json'), '--submission', 'miga2023',
            '--ann-file', rtg['path'], '--split', 'test', '--out', str(sub),
            '--topk', '2', '--work-dir', str(tmp_path / 'test')]
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert 'no labels: no metrics' in out and 'upload:' in out
    test_ids = load_test_ids(rtg['path'], 'test')
    rows = check_submission(sub / 'Submission.zip', test_ids, 3)
    # the written labels are the argmax of the weights-file fusion, matched by id
    fused = np.load(tmp_path / 'test' / 'fused_scores.npz')
    pred = dict(zip(fused['ids'].tolist(), fused['scores'].argmax(1).tolist()))
    assert rows == [(i, pred[i]) for i in test_ids]
    assert (sub / 'top2.csv').read_text().splitlines()[0] == 'id,top1,top2,p1,p2,top1_name'

    # running again must not replace the submission (nor the work dir's files) silently
    before = {p: p.read_bytes() for p in (sub / 'Submission.zip', tmp_path / 'test' / 'fused_scores.npz')}
    assert run(argv) == 2
    assert '5 output files exist' in capsys.readouterr().err  # fused scores, metrics, csv, zip, top-2
    assert all(p.read_bytes() == b for p, b in before.items())
    assert run(argv + ['--overwrite']) == 0


def test_refusals(tmp_path, rtg, rtg_split_dumps, capsys):
    d = rtg_split_dumps
    cases = [
        (['--ensemble', d['joint', 'test'], d['limb', 'test'], '--search-weights'], 'have no label'),
        (['--ensemble', d['joint', 'val'], d['limb', 'val'], '--search-weights', '--submission', 'miga2023',
          '--ann-file', rtg['path'], '--out', str(tmp_path)], 'tune and submit on one split'),
        (['--ensemble', d['joint', 'val'], d['limb', 'test']], 'cover different samples'),
        (['--ensemble', d['joint', 'val'], d['limb', 'val'], '--weights', '1', '2', '3'],
         '3 --weights given'),
        (['--ensemble', d['joint', 'val'], 'model.pth'], 'neither a score dump'),
        (['--ensemble', 'configs/joint.py', d['joint', 'val']], 'must be followed by its checkpoint'),
        (['--ensemble', d['joint', 'val'], d['limb', 'val'], '--submission', 'miga2025', '--ann-file',
          rtg['path'], '--out', str(tmp_path)], 'does not cover the test ids exactly'),
    ]
    for argv, msg in cases:
        assert run(argv + ['--work-dir', str(tmp_path / 'wd')]) == 2, argv
        assert msg in capsys.readouterr().err, msg


def test_reused_work_dir_is_refused_without_overwrite(tmp_path, rtg, rtg_split_dumps, capsys):
    d = rtg_split_dumps
    wd = tmp_path / 'wd'
    argv = ['--ensemble', d['joint', 'val'], d['limb', 'val'], '--search-weights', '--search-step', '0.5',
            '--work-dir', str(wd)]
    assert run(argv) == 0
    capsys.readouterr()
    written = sorted(os.listdir(wd))
    assert written == sorted(['ensemble_metrics.json', 'ensemble_weights.json', 'fused_scores.npz'] + [
        f'{n}_{k}' for n in ('fused', 'input0', 'input1') for k in ('per_class.csv', 'confusion.png')])
    before = {f: (wd / f).read_bytes() for f in written}
    # another search into the same work dir: every file it would replace is refused at once, none is touched
    again = argv + ['--search-metric', 'mean_class']
    assert run(again) == 2
    assert capsys.readouterr().err == (
        f'error: 9 output files exist: {wd}/fused_per_class.csv, {wd}/fused_confusion.png, '
        f'{wd}/input0_per_class.csv, {wd}/input0_confusion.png and 5 more; pass --overwrite to replace them\n')
    assert {f: (wd / f).read_bytes() for f in written} == before
    assert run(again + ['--overwrite']) == 0
    assert json.loads((wd / 'ensemble_weights.json').read_text())['metric'] == 'mean_class'
    assert sorted(os.listdir(wd)) == written  # replaced in place, no temporary file left behind
    # --out / --work-dir naming a file: a clear error, nothing written
    sub = tmp_path / 'sub'
    sub.write_text('mine')
    test = ['--ensemble', d['joint', 'test'], d['limb', 'test'], '--submission', 'miga2023', '--ann-file',
            rtg['path'], '--work-dir', str(tmp_path / 'wd_test')]
    assert run(test + ['--out', str(sub), '--overwrite']) == 2
    assert capsys.readouterr().err == f'error: {sub} is a file, not a folder; give a folder path\n'
    assert sub.read_text() == 'mine' and not (tmp_path / 'wd_test').exists()


def test_weights_file_on_its_own_split_warns(tmp_path, rtg_split_dumps, capsys):
    d = rtg_split_dumps
    wd = str(tmp_path / 'wd')
    assert run(['--ensemble', d['joint', 'val'], d['limb', 'val'], '--search-weights', '--work-dir', wd]) == 0
    assert run(['--ensemble', d['joint', 'val'], d['limb', 'val'], '--weights-file',
                os.path.join(wd, 'ensemble_weights.json'), '--work-dir', wd + '_applied']) == 0
    assert 'optimistic' in capsys.readouterr().err


def test_config_checkpoint_pairs_are_tested_first(tmp_path, monkeypatch, rtg_split_dumps, capsys):
    """mg_posec3d.apis.run_test is replaced by a STUB that returns an existing dump: this checks the argument
    parsing, the output check made before any model runs, and the call, not the model testing (the lead's apis
    tests cover that)."""
    from mg_posec3d import apis

    calls = []

    def fake_run_test(config, checkpoint, work_dir=None, cfg_options=None, **kwargs):
        calls.append((config, checkpoint, work_dir, cfg_options, kwargs))
        return rtg_split_dumps['limb', 'val']

    monkeypatch.setattr(apis, 'run_test', fake_run_test)
    wd = str(tmp_path / 'wd')
    limb = os.path.join(ROOT, 'configs', 'limb.py')
    argv = ['--ensemble', rtg_split_dumps['joint', 'val'], limb, 'work_dirs/limb/best.pth', '--work-dir', wd]
    # the pair's score dump (default name: scores_<test split>_<checkpoint>.npz) already exists: refused
    # before the pair is tested, and the file is left alone
    planned = os.path.join(wd, 'input1_limb', 'scores_test_best.npz')
    os.makedirs(os.path.dirname(planned))
    open(planned, 'w').write('mine')
    assert run(argv) == 2
    assert capsys.readouterr().err == f'error: {planned} exists; pass --overwrite to replace it\n'
    assert calls == [] and open(planned).read() == 'mine'
    assert run(argv + ['--overwrite']) == 0
    assert calls == [(limb, 'work_dirs/limb/best.pth', os.path.join(wd, 'input1_limb'), None,
                      {'overwrite': True})]


@pytest.mark.slow
def test_tools_test_py_subprocess_reproduces_mmaction2_numbers(tmp_path, ntu_dumps):
    """The real entry point, as a researcher runs it, on the mmaction2 demo/fuse scores (weights 1:1)."""
    tool = tool_path('test')
    if not os.path.isfile(tool):
        pytest.skip('tools/test.py not present')
    wd = tmp_path / 'wd'
    proc = subprocess.run([sys.executable, tool, '--ensemble', *ntu_dumps, '--weights', '1', '1',
                           '--work-dir', str(wd)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [ln.split() for ln in proc.stdout.splitlines()]
    table = {r[0]: r[-3:] for r in rows if len(r) >= 4 and r[0] in ('input0', 'input1', 'fused')}
    assert table == {'input0': ['0.9167', '0.9833', '0.9016'], 'input1': ['0.9333', '0.9833', '0.9032'],
                     'fused': ['0.9333', '0.9833', '0.9180']}
    m = json.loads((wd / 'ensemble_metrics.json').read_text())
    assert round(m['fused_metrics']['mean_class'], 4) == 0.9180


def test_run_ensemble_is_a_plain_function(tmp_path, rtg_split_dumps):
    """The library call behind the tool: plain arguments in, an EnsembleRun out, nothing printed."""
    from mg_posec3d.evaluation import run_ensemble
    from mg_posec3d.fileio import load_scores

    d = rtg_split_dumps
    lines = []
    run = run_ensemble([d['joint', 'val'], d['limb', 'val']], search=True, search_step=0.1,
                       work_dir=str(tmp_path / 'wd'), log=lines.append)
    assert lines == []  # progress lines only for CONFIG CHECKPOINT inputs
    assert np.allclose(run.result.weights, run.search.best_weights) and run.search.gain >= 0
    # the fusion by hand: the two dumps matched by id (they list the samples in different orders)
    joint, limb = load_scores(d['joint', 'val']), load_scores(d['limb', 'val'])
    by_id = dict(zip(limb.ids, limb.scores))
    w = run.result.weights
    expected = w[0] * joint.scores + w[1] * np.stack([by_id[i] for i in joint.ids])
    assert run.result.ids == joint.ids
    np.testing.assert_allclose(run.result.fused, expected, atol=1e-6)
    assert sorted(os.path.basename(p) for p in run.written) == sorted(
        ['ensemble_weights.json', 'fused_scores.npz', 'ensemble_metrics.json']
        + [f'{n}_{k}' for n in ('fused', 'input0', 'input1') for k in ('per_class.csv', 'confusion.png')])
    assert all(os.path.isfile(p) for p in run.written)
