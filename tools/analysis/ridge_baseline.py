"""The ridge-classifier reference: right-hand shape, closed-form ridge, leave-one-subject-out (or --folds).

  python tools/analysis/ridge_baseline.py [--ann-file ANN.pkl] [--folds N]

Prints the accuracy on each held-out group of subjects and the mean (the settings, K frames and ridge
strength, are chosen inside the training subjects only). Default: leave-one-subject-out on the bundled sample.
"""
import argparse
import sys

import numpy as np

from mg_posec3d.baselines import compare as C
from mg_posec3d.baselines.ridge import fit_hand_ridge, ridge_scores


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ann-file', default=C.DEFAULT_ANN)
    p.add_argument('--folds', type=int, help='subject groups (default: one per subject, leave-one-subject-out)')
    p.add_argument('--debug', action='store_true', help='show tracebacks')
    args = p.parse_args(argv)
    try:
        annos = C.load_annotations(args.ann_file)['annotations']
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
    except (C.CompareError, FileNotFoundError, ValueError) as e:
        if args.debug:
            raise
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'mean top-1 over {len(folds)} folds: {np.mean(accs):.3f} (std {np.std(accs):.3f}; chance '
          f'{1 / num_classes:.3f})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
