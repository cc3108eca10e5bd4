"""The ridge-classifier reference: right-hand shape, closed-form ridge, on subject folds or on named splits.

  python tools/analysis/ridge_baseline.py [--ann-file ANN.pkl] [--folds N]
  python tools/analysis/ridge_baseline.py --ann-file ANN.pkl --train-split train --test-split test \
      [--dump ridge_test.npz] [--overwrite]

Folds (default: leave-one-subject-out on the bundled sample): prints the accuracy on each held-out group of
subjects and the mean. Splits: fits on the annotation file's --train-split, prints top-1 / mean-class on
--test-split, and --dump writes a score dump like tools/test.py's (by clip id), which `tools/test.py --ensemble`
fuses with the deep models. K frames and the ridge strength are always chosen inside the training clips only, by
leave-one-subject-out (so training clips need the field `subject`, from at least 2 subjects).
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from mg_posec3d.baselines import compare as C
from mg_posec3d.baselines.ridge import fit_hand_ridge, ridge_scores
from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.evaluation import metrics as M
from mg_posec3d.evaluation.submission import split_annotations
from mg_posec3d.fileio import check_outputs, save_scores


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ann-file', default=C.DEFAULT_ANN)
    p.add_argument('--folds', type=int, help='subject groups (default: one per subject, leave-one-subject-out)')
    p.add_argument('--train-split', help='fit on this split of the annotation file (with --test-split)')
    p.add_argument('--test-split', help='score this split (with --train-split)')
    p.add_argument('--dump', help='score dump of --test-split (.npz by clip id, for tools/test.py --ensemble)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --dump')
    add_debug_argument(p)
    return p.parse_args(argv)


def run_splits(args, data: dict) -> int:
    if args.dump:
        check_outputs([args.dump], args.overwrite)
    train = split_annotations(data, args.train_split, args.ann_file)
    test = split_annotations(data, args.test_split, args.ann_file)
    num_classes = int(max(a['label'] for a in data['annotations'])) + 1
    fit = fit_hand_ridge(train, num_classes)
    scores = ridge_scores(fit, test)
    labels = np.array([a.get('label', -1) for a in test])
    if (labels >= 0).all():
        m = M.evaluate(scores, labels)
        print(f'{args.test_split}: top-1 {m["top1"]:.3f}, mean-class {m["mean_class"]:.3f} ({len(test)} clips; '
              f'trained on {args.train_split}, {len(train)} clips; K={fit.frames}, alpha={fit.model.alpha:g})')
    if args.dump:
        save_scores(args.dump, [a['frame_dir'] for a in test], scores, labels if (labels >= 0).all() else None)
        print(f'score dump: {args.dump}')
    return 0


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    if (args.train_split is None) != (args.test_split is None):
        raise UserError('--train-split and --test-split go together')
    if args.dump and args.train_split is None:
        raise UserError('--dump needs --train-split and --test-split')
    data = C.load_annotations(args.ann_file)
    if args.train_split:
        return run_splits(args, data)
    annos = data['annotations']
    subjects = sorted({a['subject'] for a in annos})
    num_classes = int(max(a['label'] for a in annos)) + 1
    folds = C.make_folds(subjects, args.folds or len(subjects))
    accs = []
    for fold in folds:
        train = [a for a in annos if a['subject'] not in fold.test]
        test = [a for a in annos if a['subject'] in fold.test]
        fit = fit_hand_ridge(train, num_classes)
        pred = ridge_scores(fit, test).argmax(1)
        accs.append(float((pred == np.array([a['label'] for a in test])).mean()))
        print(f'test subjects {fold.test}: top-1 {accs[-1]:.3f} ({len(test)} clips; K={fit.frames}, '
              f'alpha={fit.model.alpha:g})')
    print(f'mean top-1 over {len(folds)} folds: {np.mean(accs):.3f} (std {np.std(accs):.3f}; chance '
          f'{1 / num_classes:.3f})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
