"""`make demo`: the whole pipeline on the bundled real sample (reach-to-grasp skeletons, 3 classes).

Trains the demo joint and limb models (reused if their checkpoints exist; delete work_dirs/demo to retrain),
tests both, fuses them 2:3 as the MiGA 2023 winners did, searches the fusion weights on the validation
subject and applies them to the test subject, and writes the confusion matrix and a MiGA-2023 submission.
Every step is one of the documented commands, printed before it runs.

Everything it writes is under work_dirs/demo/, which belongs to the demo: a re-run reuses the checkpoints and
replaces the score dumps, reports and submission of the last run (its test and ensemble steps run with
--overwrite), so `make demo` can be run again. With --debug a failing step shows its traceback.
"""
from __future__ import annotations

import argparse
import glob
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


def run(*cmd: str, debug: bool = False) -> None:
    print('\n$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
    code = subprocess.run([sys.executable, *cmd, *([DEBUG_FLAG] if debug else [])], cwd=REPO).returncode
    if code:
        # the step has printed its own error line above; this one says which step stopped the demo
        raise UserError(f'demo step {cmd[0]} exited with status {code}: {" ".join(shlex.quote(c) for c in cmd)}')


def checkpoint(stream: str) -> str | None:
    best = sorted(glob.glob(os.path.join(REPO, OUT, stream, 'best_*.pth')))
    return os.path.relpath(best[-1], REPO) if best else None


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_debug_argument(p)
    args = p.parse_args(argv)
    start = time.time()

    def step(*cmd: str) -> None:
        run(*cmd, debug=args.debug)

    for stream in STREAMS:
        if checkpoint(stream):
            print(f'\nreusing {checkpoint(stream)} (delete {OUT}/ to retrain)')
        else:
            step('tools/train.py', f'configs/demo/{stream}.py', '--work-dir', f'{OUT}/{stream}')
    dumps = {}
    for stream in STREAMS:
        for split in ('val', 'test'):
            dumps[stream, split] = f'{OUT}/scores/{stream}_{split}.npz'
            step('tools/test.py', f'configs/demo/{stream}.py', checkpoint(stream), '--work-dir',
                 f'{OUT}/test_{stream}', '--dump', dumps[stream, split], '--overwrite',
                 '--cfg-options', f'test_dataloader.dataset.split={split}',
                 'log_level=WARNING')  # metrics are printed by test.py; skip the runner's config dump
    step('tools/test.py', '--ensemble', dumps['joint', 'val'], dumps['limb', 'val'], '--search-weights',
         '--work-dir', f'{OUT}/ensemble_val', '--overwrite')
    step('tools/test.py', '--ensemble', dumps['joint', 'test'], dumps['limb', 'test'], '--weights-file',
         f'{OUT}/ensemble_val/ensemble_weights.json', '--work-dir', f'{OUT}/ensemble_test_searched', '--overwrite')
    step('tools/test.py', '--ensemble', dumps['joint', 'test'], dumps['limb', 'test'], '--weights', '2', '3',
         '--work-dir', f'{OUT}/ensemble_test', '--submission', 'miga2023', '--ann-file', ANN, '--split', 'test',
         '--out', f'{OUT}/submission', '--overwrite')
    print(f'\nDemo finished in {time.time() - start:.0f} s. Chance level is 0.333 (3 balanced classes).')
    print(f'  checkpoints:       {checkpoint("joint")}, {checkpoint("limb")}')
    print(f'  score dumps:       {OUT}/scores/')
    print(f'  fused metrics:     {OUT}/ensemble_test/ensemble_metrics.json')
    print(f'  confusion matrix:  {OUT}/ensemble_test/fused_confusion.png')
    print(f'  searched weights:  {OUT}/ensemble_val/ensemble_weights.json')
    print(f'  MiGA submission:   {OUT}/submission/Submission.zip')
    return 0


if __name__ == '__main__':
    sys.exit(main())
