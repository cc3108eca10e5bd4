"""Cross-subject comparison of the skeleton methods on one annotation file (default: the bundled sample).

  python tools/analysis/compare_methods.py [--ann-file ANN.pkl] [--folds 4] [--methods NAME ...] [--epochs N]
      [--max-folds K] [--jobs 2] [--work-dir work_dirs/compare] [--out work_dirs/compare/report] [--overwrite]

Trains and tests every method (demo-size configs) on each fold (test = a group of participants, val = one
more participant for checkpoint and fusion-weight selection, train = the rest), fuses them, fits the ridge
reference on the same folds, and writes comparison.md (table), comparison.png (bar plot) and comparison.json
to --out. Finished (fold, method) runs are reused from --work-dir, so an interrupted run continues.
Methods (default): posec3d_{joint,limb}_{ce,mse,js}, stgcn_{joint,bone}; also posec3d_joint_js_only and
posec3d_{joint,limb}_mse_bf16 (bf16 training, emulated on CPUs without native bf16).
`make compare` runs the default.
"""
import argparse
import os
import sys
import time

from mg_posec3d.baselines import compare as C


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ann-file', default=C.DEFAULT_ANN, help='pose annotations with a subject per clip '
                   '(default: the bundled reach-to-grasp sample)')
    p.add_argument('--folds', type=int, default=4, help='number of subject groups, each tested once (default 4)')
    p.add_argument('--max-folds', type=int, help='run only the first K folds (a quick look)')
    p.add_argument('--methods', nargs='+', metavar='NAME',
                   help=f'methods to run, in this order: {", ".join(C.METHODS)} (default: all but '
                   'the js_only and bf16 variants)')
    p.add_argument('--epochs', type=int, help='training epochs of every method (default: each demo config\'s)')
    p.add_argument('--jobs', type=int, default=1,
                   help='trainings side by side, one CPU thread each (2 on a 2-core machine; default 1)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--work-dir', default='work_dirs/compare', help='checkpoints and score dumps per fold/method')
    p.add_argument('--out', default='work_dirs/compare/report', help='where comparison.{md,png,json} go')
    p.add_argument('--overwrite', action='store_true', help='replace an existing report in --out')
    p.add_argument('--debug', action='store_true', help='show tracebacks')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        methods = C.parse_methods(args.methods)
        if args.epochs is not None and args.epochs < 1:
            raise C.CompareError(f'--epochs must be >= 1, got {args.epochs}')
        if args.jobs < 1:
            raise C.CompareError(f'--jobs must be >= 1, got {args.jobs}')
        if args.max_folds is not None and args.max_folds < 1:
            raise C.CompareError(f'--max-folds must be >= 1, got {args.max_folds}')
        existing = [p for p in (os.path.join(args.out, f'comparison.{k}') for k in ('md', 'png', 'json'))
                    if os.path.exists(p)]
        if existing and not args.overwrite:
            raise C.CompareError(f'refusing to overwrite {", ".join(existing)} (pass --overwrite)')
        start = time.time()
        comp = C.run_comparison(args.ann_file, args.work_dir, methods, args.folds, args.max_folds, args.epochs,
                                args.seed, args.jobs)
        paths = C.write_report(comp, args.out)
    except (C.CompareError, FileNotFoundError, ValueError) as e:
        if args.debug:
            raise
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(open(paths['md']).read())
    print(f'report: {paths["md"]}, {paths["png"]}, {paths["json"]} ({(time.time() - start) / 60:.1f} min)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
