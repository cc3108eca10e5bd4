"""Plot a training run's logged losses and validation accuracy into a PNG.

  python tools/analysis/plot_curves.py WORK_DIR [--out curves.png] [--overwrite]

WORK_DIR is a work dir (its latest run is plotted), a run folder WORK_DIR/<timestamp>, or a scalars.json file.
tools/train.py writes the same plot to WORK_DIR/<timestamp>/curves.png when training ends; this redraws it (or
draws it for a run still training or interrupted).
"""
import argparse
import sys

from mg_posec3d.cli_utils import add_debug_argument, cli_main
from mg_posec3d.evaluation.curves import find_scalars, plot_training_curves, read_scalars


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('work_dir', help='work dir, run folder (WORK_DIR/<timestamp>) or vis_data/scalars.json')
    p.add_argument('--out', help='PNG path (default: curves.png in the run folder)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing PNG')
    add_debug_argument(p)
    return p


@cli_main
def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logged = read_scalars(find_scalars(args.work_dir))
    path = plot_training_curves(logged.path, args.out, overwrite=args.overwrite)
    print(f'{logged.path}: {len(logged.train)} training rows ({", ".join(logged.loss_keys) or "no losses"}), '
          f'{len(logged.val)} validation rows ({", ".join(logged.val_keys) or "no metrics"})')
    print(f'curves: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
