"""Test a checkpoint, or fuse score dumps / checkpoints into an ensemble.

  python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump scores.npz|scores.pkl] [--show-dir DIR]
  python tools/test.py --ensemble A.npz B.npz [--weights 2 3] ...   (see docs/ensembles.md)

--dump X.npz writes our score dump (ids, probabilities, labels); --dump X.pkl writes mmaction2's format (what its
tools/test.py --dump writes, read by its report_accuracy.py). --ensemble reads both, and PYSKL's score pickles.
Output files that exist already (the score dump, the --show-dir reports; the ensemble's reports, weights,
submission) are refused before anything runs unless --overwrite is given. mmengine's logs go to a new
WORK_DIR/<timestamp>/ each run.
"""
import argparse
import sys

from mg_posec3d.apis import DictAction, load_config, set_dataset_options, test_checkpoint
from mg_posec3d.cli_utils import add_debug_argument, cli_main
from mg_posec3d.evaluation.ensemble import SEARCH_METRICS
from mg_posec3d.evaluation.ensemble_runner import format_metrics_table, format_search, run_ensemble
from mg_posec3d.evaluation.metrics import format_per_class_table
from mg_posec3d.evaluation.submission import FORMATS
from mg_posec3d.evaluation.test_report import planned_show_outputs, write_show_dir
from mg_posec3d.fileio import check_outputs


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', nargs='?', help='config file')
    p.add_argument('checkpoint', nargs='?', help='checkpoint file')
    p.add_argument('--work-dir', metavar='DIR',
                   help='where logs and the score dump go; with --ensemble: fused scores, metrics, per-class csv '
                        'and confusion plots (default work_dirs/ensemble/<timestamp>)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace existing output files: the score dump and --show-dir reports, and with --ensemble '
                        'its fused scores, metrics, reports, weights, submission and top-k csv (without it a run '
                        'that would replace one is refused before anything runs)')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='load the checkpoint with full unpickling (runs code in it: trusted files only)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                   help='override config entries, e.g. test_dataloader.dataset.split=val')
    add_debug_argument(p)

    t = p.add_argument_group('testing one checkpoint')
    t.add_argument('--dump', help='score-dump path: .npz (ours, default WORK_DIR/scores_<split>_<checkpoint>.npz) or '
                                  '.pkl (mmaction2\'s --dump format: a list of dicts with pred_score, gt_label, ...)')
    t.add_argument('--show-dir', metavar='DIR',
                   help='also write DIR/test_confusion.png and DIR/test_per_class.csv (labelled splits) and '
                        'DIR/test_predictions.csv (per sample: the 5 best classes and their probabilities)')
    t.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32',
                   help='bf16: autocast + channels-last, ~3.7x faster on CPUs with native bf16 (top-1 agreement with '
                   'fp32: 351 of 352 demo test predictions); fp32 (default) keeps scores comparable with GPU runs')
    t.add_argument('--skip-invalid', action='store_true', default=None,
                   help='drop annotation samples with problems (reported) instead of failing')
    t.add_argument('--unsafe-pickle', action='store_true', default=None,
                   help='load annotation pickles with plain pickle (trusted files only)')
    t.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    t.add_argument('--local_rank', '--local-rank', type=int, default=0)

    e = p.add_argument_group('ensemble, weight search and MiGA submission (docs/ensembles.md)')
    e.add_argument('--ensemble', nargs='+', metavar='INPUT',
                   help='fuse these inputs instead of testing one model: score dumps (.npz from this tool, .pkl '
                        'from mmaction2 --dump or PYSKL --out) and/or CONFIG.py CHECKPOINT pairs (tested first); '
                        'samples are matched by id')
    e.add_argument('--weights', nargs='+', type=float, metavar='W',
                   help='fusion weights, one per input (normalised to sum 1); default 2 3 for two inputs '
                        '(joint, limb: the MiGA 2023 entry), equal otherwise')
    e.add_argument('--weights-file', metavar='JSON', help='apply weights saved by --search-weights')
    e.add_argument('--search-weights', action='store_true',
                   help='grid-search the weights on these (labelled) dumps and save them; search on val, then apply '
                        'to test with --weights-file')
    e.add_argument('--search-step', type=float, default=0.05, help='grid step on the simplex (default 0.05)')
    e.add_argument('--search-metric', choices=SEARCH_METRICS, default='top1',
                   help='what the search maximises (default top1)')
    e.add_argument('--save-weights', metavar='JSON',
                   help='where --search-weights writes (default WORK_DIR/ensemble_weights.json)')
    e.add_argument('--submission', choices=sorted(FORMATS),
                   help='write a validated challenge submission: miga2023 (Codalab Submission.zip) or '
                        'miga2025 (Kaggle prediction.zip)')
    e.add_argument('--ann-file', metavar='PKL',
                   help='annotation file giving the submission ids, and the ids (and labels) of score pickles '
                        'that have none (PYSKL, upstream mmaction2)')
    e.add_argument('--split', default='test',
                   help="split of --ann-file (default test; 'none' = every annotation), in annotation order")
    e.add_argument('--out', metavar='DIR', help='submission output folder')
    e.add_argument('--topk', type=int, metavar='K',
                   help='also write the K best labels (and probabilities) per clip to a csv for analysis')
    return p


def ensemble(args: argparse.Namespace) -> int:
    split = None if args.split.lower() == 'none' else args.split
    run = run_ensemble(
        args.ensemble, weights=args.weights, weights_file=args.weights_file, search=args.search_weights,
        search_step=args.search_step, search_metric=args.search_metric, save_weights=args.save_weights,
        submission=args.submission, ann_file=args.ann_file, split=split, out=args.out, topk=args.topk,
        work_dir=args.work_dir, overwrite=args.overwrite, cfg_options=args.cfg_options or None,
        trust_checkpoint=args.trust_checkpoint)
    result, aligned = run.result, run.result.aligned
    n, n_lab = len(aligned.ids), int(aligned.labelled.sum())
    print(f'\nEnsemble of {len(aligned.names)} score dumps: {n} samples, {aligned.num_classes} classes, '
          f'labels known for {n_lab}' + ('' if n_lab in (0, n) else ' (metrics over those)'))
    for k, name in enumerate(aligned.names):
        print(f'  input{k}: {name}')
    if run.search is not None:
        print('\n' + format_search(run.search, given=args.weights is not None))
        print(f'  saved {run.written[0]}; apply to the test dumps with --weights-file {run.written[0]}')
    elif run.saved_weights is not None:
        saved = run.saved_weights
        origin = f' (searched on {saved.num_samples} samples, metric {saved.metric})' if saved.num_samples else ''
        print(f'weights from {saved.path}: {" ".join(f"{x:.3f}" for x in saved.weights)}{origin}')
        if run.weights_on_their_own_split:
            print('WARNING: these are the very samples the weights were searched on; the metrics below are '
                  'optimistic. Apply searched weights to a different split.', file=sys.stderr)
    # the per-class table first, the summary last, so the summary is what stays on screen
    if result.fused_metrics is not None:
        print('\nPer class (fused; precision - where never predicted, recall - where absent):')
        print(format_per_class_table(run.per_class_rows))
        print(f'\nAccuracy over {n_lab} labelled samples:')
        print(format_metrics_table(aligned.names, result.weights, result.input_metrics, result.fused_metrics))
    else:
        print('weights: ' + ' '.join(f'{x:.3f}' for x in result.weights) + '  (no labels: no metrics)')
    sub = run.submission
    if sub is not None:
        counts = ', '.join(f'{k}:{v}' for k, v in sub.label_counts.items())
        print(f'\n{sub.format.description}\n  {sub.num_rows} test clips from {args.ann_file} (split {args.split}); '
              f'validated and read back: every test id once, labels in [0, {aligned.num_classes})\n'
              f'  predicted label counts {{label:clips}}: {counts}\n  upload: {sub.zip_path}')
    print('\nwritten:\n' + '\n'.join(f'  {p}' for p in run.written))
    return 0


@cli_main
def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.ensemble:
        if args.dump or args.show_dir:
            parser.error('--dump and --show-dir are for testing one checkpoint; --ensemble writes to --work-dir')
        return ensemble(args)
    if not (args.config and args.checkpoint):
        parser.error('give CONFIG CHECKPOINT, or --ensemble ...')
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    set_dataset_options(cfg, skip_invalid=args.skip_invalid, unsafe_pickle=args.unsafe_pickle)
    if args.show_dir:  # checked with the dump (inside test_checkpoint) before the model is built
        check_outputs(planned_show_outputs(args.show_dir), args.overwrite, folders=[args.show_dir])
    dump, metrics = test_checkpoint(cfg, args.checkpoint, dump=args.dump, trust_checkpoint=args.trust_checkpoint,
                                    launcher=args.launcher, precision=args.precision, overwrite=args.overwrite)
    for k, v in metrics.items():
        print(f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}')
    print(f'scores: {dump}')
    if args.show_dir:
        ds = cfg.test_dataloader.dataset
        written = write_show_dir(dump, args.show_dir, ann_file=ds.get('ann_file'), split=ds.get('split'),
                                 overwrite=args.overwrite)
        print('show-dir:\n' + '\n'.join(f'  {p}' for p in written))
    return 0


if __name__ == '__main__':
    sys.exit(main())
