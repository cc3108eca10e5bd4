"""`make demo`: the whole pipeline on the bundled real sample (reach-to-grasp skeletons, 3 classes).

Trains the demo joint and limb models side by side (two processes, one CPU thread each: faster than one after
the other on a 2-core machine; reused if their checkpoints exist, delete work_dirs/demo to retrain), tests both
on the validation (P7) and test (P8) persons, fuses them 2:3 as the MiGA 2023 winners did, searches the fusion
weights on P7 and applies them to P8, writes the confusion matrix and a MiGA-2023 submission, and fits the ridge
baseline on the same splits to print beside them. Every step is one of the documented commands, printed before
it runs; after training they run in this one process (each tool's ``main``), which saves the seconds of imports
each would pay alone.

Everything it writes is under work_dirs/demo/, which belongs to the demo: a re-run reuses the checkpoints and
replaces the score dumps, reports and submission of the last run (its test and ensemble steps run with
--overwrite), so `make demo` can be run again. With --debug a failing step shows its traceback.
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import shlex
import subprocess
import sys
import time

from mg_posec3d.cli_utils import DEBUG_FLAG, UserError, add_debug_argument, cli_main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join('work_dirs', 'demo')
ANN = 'mg_posec3d/data/rtg_sample/rtg_miga22.pkl'
STREAMS = ('joint', 'limb')
SPLITS = {'val': 'P7', 'test': 'P8'}
TOOLS = {'train': 'tools/train.py', 'test': 'tools/test.py', 'ridge_baseline': 'tools/analysis/ridge_baseline.py'}


def _command(tool: str, argv: list[str]) -> str:
    return ' '.join(shlex.quote(c) for c in ['python', TOOLS[tool], *argv])


def train_side_by_side(streams: list[str], debug: bool = False) -> None:
    """``tools/train.py`` of each stream in its own process with one thread, output in WORK_DIR/train.log."""
    procs = {}
    for stream in streams:
        argv = [f'configs/demo/{stream}.py', '--work-dir', f'{OUT}/{stream}']
        print(f'\n$ {_command("train", argv)}', flush=True)
        os.makedirs(os.path.join(REPO, OUT, stream), exist_ok=True)
        log = open(os.path.join(REPO, OUT, stream, 'train.log'), 'w')
        env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
        procs[stream] = (subprocess.Popen([sys.executable, TOOLS['train'], *argv, *([DEBUG_FLAG] if debug else [])],
                                          cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT), log, argv)
    print(f'(training {" and ".join(streams)} side by side; logs: {OUT}/<model>/train.log)', flush=True)
    failed = []
    for stream, (proc, log, argv) in procs.items():
        code = proc.wait()
        log.close()
        if code:
            failed.append((stream, code, argv))
    if failed:
        stream, code, argv = failed[0]
        with open(os.path.join(REPO, OUT, stream, 'train.log'), errors='replace') as f:
            said = [ln.strip() for ln in f if ln.startswith('error: ')]  # the tool's own one-line reason
        reason = f' ({said[-1][len("error: "):]})' if said else ''
        raise UserError(f'demo step {TOOLS["train"]} exited with status {code}{reason}: {_command("train", argv)} '
                        f'(log: {OUT}/{stream}/train.log)')


_LOADED: dict = {}


def run(tool: str, *argv: str, debug: bool = False) -> None:
    """Print the step as a command and run that tool's ``main`` here; stop the demo if it fails."""
    argv = [*argv, *([DEBUG_FLAG] if debug else [])]
    print(f'\n$ {_command(tool, argv)}', flush=True)
    if tool not in _LOADED:
        spec = importlib.util.spec_from_file_location(f'_demo_{tool}', os.path.join(REPO, TOOLS[tool]))
        _LOADED[tool] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_LOADED[tool])
    code = _LOADED[tool].main(argv)
    if code:  # the step has printed its own error line above; this one says which step stopped the demo
        raise UserError(f'demo step {TOOLS[tool]} exited with status {code}: {_command(tool, argv)}')


def checkpoint(stream: str) -> str | None:
    best = sorted(glob.glob(os.path.join(REPO, OUT, stream, 'best_*.pth')))
    return os.path.relpath(best[-1], REPO) if best else None


def summary(dumps: dict) -> str:
    """Top-1 of each model, the fusions and the ridge baseline on P7 and P8, read back from the score dumps."""
    from mg_posec3d.evaluation.ensemble import ensemble_dumps
    from mg_posec3d.evaluation.metrics import evaluate
    from mg_posec3d.fileio import load_scores

    def metrics(path: str) -> dict:
        s = load_scores(os.path.join(REPO, path))
        return evaluate(s.scores, s.labels)

    def row(label: str, val: dict | None, test: dict) -> str:
        val_top1 = f"{val['top1']:.3f}" if val else '-'
        return f"| {label} | {val_top1} | {test['top1']:.3f} | {test['mean_class']:.3f} |"

    lines = ['| model | P7 (val) top-1 | P8 (test) top-1 | P8 mean-class |', '|---|---|---|---|']
    for name in STREAMS:
        lines.append(row(f'demo {name}', metrics(dumps[name, 'val']), metrics(dumps[name, 'test'])))
    fused = {s: ensemble_dumps([os.path.join(REPO, dumps[k, s]) for k in STREAMS], [2, 3]).fused_metrics
             for s in SPLITS}
    lines.append(row('fused 2:3 (the MiGA 2023 recipe)', fused['val'], fused['test']))
    lines.append(row('fused, weights searched on P7', None,
                     metrics(f'{OUT}/ensemble_test_searched/fused_scores.npz')))
    lines.append(row('ridge baseline (right-hand shape)', metrics(dumps['ridge', 'val']),
                     metrics(dumps['ridge', 'test'])))
    return '\n'.join(lines)


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_debug_argument(p)
    args = p.parse_args(argv)
    start = time.time()
    os.chdir(REPO)
    for stream in STREAMS:
        if checkpoint(stream):
            print(f'\nreusing {checkpoint(stream)} (delete {OUT}/ to retrain)')
    to_train = [s for s in STREAMS if not checkpoint(s)]
    if to_train:
        train_side_by_side(to_train, args.debug)
    trained = time.time()
    dumps = {}
    for stream in STREAMS:
        for split in SPLITS:
            dumps[stream, split] = f'{OUT}/scores/{stream}_{split}.npz'
            run('test', f'configs/demo/{stream}.py', checkpoint(stream), '--work-dir', f'{OUT}/test_{stream}',
                '--dump', dumps[stream, split], '--overwrite', '--cfg-options',
                f'test_dataloader.dataset.split={split}', 'log_level=WARNING',  # test.py prints the metrics
                debug=args.debug)
    for split in SPLITS:
        dumps['ridge', split] = f'{OUT}/scores/ridge_{split}.npz'
        run('ridge_baseline', '--ann-file', ANN, '--train-split', 'train', '--test-split', split, '--dump',
            dumps['ridge', split], '--overwrite', debug=args.debug)
    run('test', '--ensemble', dumps['joint', 'val'], dumps['limb', 'val'], '--search-weights',
        '--work-dir', f'{OUT}/ensemble_val', '--overwrite', debug=args.debug)
    run('test', '--ensemble', dumps['joint', 'test'], dumps['limb', 'test'], '--weights-file',
        f'{OUT}/ensemble_val/ensemble_weights.json', '--work-dir', f'{OUT}/ensemble_test_searched', '--overwrite',
        debug=args.debug)
    run('test', '--ensemble', dumps['joint', 'test'], dumps['limb', 'test'], '--weights', '2', '3',
        '--work-dir', f'{OUT}/ensemble_test', '--submission', 'miga2023', '--ann-file', ANN, '--split', 'test',
        '--out', f'{OUT}/submission', '--overwrite', debug=args.debug)
    end = time.time()
    print(f'\nDemo finished in {end - start:.0f} s (training {trained - start:.0f} s, testing and fusing '
          f'{end - trained:.0f} s). Chance level is 0.333 (3 balanced classes).\n')
    print(summary(dumps))
    print(f'\n  checkpoints:       {checkpoint("joint")}, {checkpoint("limb")}')
    print(f'  score dumps:       {OUT}/scores/')
    print(f'  fused metrics:     {OUT}/ensemble_test/ensemble_metrics.json')
    print(f'  confusion matrix:  {OUT}/ensemble_test/fused_confusion.png')
    print(f'  searched weights:  {OUT}/ensemble_val/ensemble_weights.json')
    print(f'  MiGA submission:   {OUT}/submission/Submission.zip')
    return 0


if __name__ == '__main__':
    sys.exit(main())
