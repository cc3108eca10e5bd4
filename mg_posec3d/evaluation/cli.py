"""Command line for ``tools/test.py --ensemble`` (argument parsing and printing only; the work is done in
``ensemble``, ``metrics`` and ``submission``).

    python tools/test.py --ensemble JOINT.npz LIMB.npz [--weights 2 3] [--search-weights]
        [--weights-file W.json] [--submission miga2023 --ann-file ANN.pkl --split test --out DIR]
        [--work-dir DIR] [--topk 5]

``--ensemble`` takes score dumps (.npz) and/or CONFIG.py CHECKPOINT pairs, which are tested first with
``mg_posec3d.apis.run_test``. Also runnable as ``python -m mg_posec3d.evaluation.cli --ensemble ...``.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import sys
from collections.abc import Sequence

import numpy as np

from ..cli_utils import add_debug_argument, cli_main, run_cli
from ..fileio import atomic_open, check_outputs, load_scores
from . import metrics as M
from .ensemble import (
    SEARCH_METRICS,
    EnsembleError,
    align_dumps,
    ensemble_aligned,
    ids_fingerprint,
    load_weights_file,
    search_weights,
)
from .submission import (
    FORMATS,
    load_test_ids,
    rows_from_scores,
    write_submission,
    write_topk_csv,
)

EXIT_OK = 0


def _add(parser: argparse.ArgumentParser, group, *flags: str, **kwargs) -> None:
    # tools/test.py may already define some of these (--work-dir); reuse its option instead of clashing
    if any(f in parser._option_string_actions for f in flags):
        return
    group.add_argument(*flags, **kwargs)


def add_ensemble_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ensemble / weight-search / submission options to ``parser`` (skips flags it already has)."""
    g = parser.add_argument_group('ensemble, weight search and MiGA submission')
    _add(parser, g, '--ensemble', nargs='+', metavar='INPUT',
         help='fuse these inputs instead of testing one model: score dumps (.npz from tools/test.py) and/or '
              'CONFIG.py CHECKPOINT pairs (tested first); samples are matched by id')
    _add(parser, g, '--weights', nargs='+', type=float, metavar='W',
         help='fusion weights, one per input (normalised to sum 1); default 2 3 for two inputs '
              '(joint, limb: the MiGA 2023 entry), equal otherwise')
    _add(parser, g, '--weights-file', metavar='JSON', help='apply weights saved by --search-weights')
    _add(parser, g, '--search-weights', action='store_true',
         help='grid-search the weights on these (labelled) dumps and save them; search on val, then apply '
              'to test with --weights-file')
    _add(parser, g, '--search-step', type=float, default=0.05, help='grid step on the simplex (default 0.05)')
    _add(parser, g, '--search-metric', choices=SEARCH_METRICS, default='top1',
         help='what the search maximises (default top1)')
    _add(parser, g, '--save-weights', metavar='JSON',
         help='where --search-weights writes (default WORK_DIR/ensemble_weights.json)')
    _add(parser, g, '--submission', choices=sorted(FORMATS),
         help='write a validated challenge submission: miga2023 (Codalab Submission.zip) or '
              'miga2025 (Kaggle prediction.zip)')
    _add(parser, g, '--ann-file', metavar='PKL', help='test annotation file giving the submission ids')
    _add(parser, g, '--split', default='test',
         help="split of --ann-file whose ids are submitted (default test; 'none' = every annotation)")
    _add(parser, g, '--out', metavar='DIR', help='submission output folder')
    _add(parser, g, '--overwrite', action='store_true',
         help='replace existing output files (fused scores, metrics, reports, weights, submission, top-k csv); '
              'without it a run that would replace any of them is refused before anything runs')
    _add(parser, g, '--topk', type=int, metavar='K',
         help='also write the K best labels (and probabilities) per clip to a csv for analysis')
    _add(parser, g, '--work-dir', metavar='DIR',
         help='where fused scores, metrics, per-class csv and confusion plots go '
              '(default work_dirs/ensemble/<timestamp>)')
    add_debug_argument(parser)


# ------------------------------------------------------------------------------------------------ helpers
def parse_inputs(tokens: Sequence[str]) -> list[tuple[str, ...]]:
    """Split ``--ensemble`` tokens into ('dump', path) and ('model', config, checkpoint) items."""
    items, k = [], 0
    tokens = list(tokens)
    while k < len(tokens):
        tok = tokens[k]
        if tok.endswith('.npz'):
            items.append(('dump', tok))
            k += 1
        elif tok.endswith('.py'):
            if k + 1 >= len(tokens) or tokens[k + 1].endswith(('.py', '.npz')):
                raise EnsembleError(f'--ensemble: config {tok} must be followed by its checkpoint')
            items.append(('model', tok, tokens[k + 1]))
            k += 2
        else:
            raise EnsembleError(f'--ensemble: {tok!r} is neither a score dump (.npz) nor a config (.py) '
                                'followed by its checkpoint')
    if len(items) < 1:
        raise EnsembleError('--ensemble needs at least one input')
    return items


def _short(path: str, width: int) -> str:
    return path if len(path) <= width else '...' + path[-(width - 3):]


def _fmt(v) -> str:
    return '     -' if v is None else f'{v:.4f}'


def format_metrics_table(names: Sequence[str], weights: Sequence[float] | None, input_metrics: Sequence[dict],
                         fused: dict) -> str:
    """Per input (``inputK  file name``, K as in the report files) and fused: weight, top1, top5,
    mean-class."""
    labels = [f'input{k}  {_short(os.path.basename(n), 40)}' for k, n in enumerate(names)]
    width = max([len(s) for s in labels] + [12])
    head = f'  {"":<{width}}  {"weight":>6}  {"top1":>6}  {"top5":>6}  {"mean-class":>10}'
    lines = [head, '  ' + '-' * (len(head) - 2)]
    for k, (label, m) in enumerate(zip(labels, input_metrics)):
        w = f'{weights[k]:.3f}' if weights is not None else ''
        lines.append(f'  {label:<{width}}  {w:>6}  {_fmt(m["top1"])}  {_fmt(m["top5"])}  '
                     f'{_fmt(m["mean_class"]):>10}')
    lines.append(f'  {"fused":<{width}}  {"":>6}  {_fmt(fused["top1"])}  {_fmt(fused["top5"])}  '
                 f'{_fmt(fused["mean_class"]):>10}')
    best1 = max(m['top1'] for m in input_metrics)
    bestmc = max(m['mean_class'] for m in input_metrics)
    lines.append(f'  fusion gain over the best single input: top1 {fused["top1"] - best1:+.4f}, '
                 f'mean-class {fused["mean_class"] - bestmc:+.4f}')
    return '\n'.join(lines)


def _opt(args, name: str, default=None):
    return getattr(args, name, default) if getattr(args, name, None) is not None else default


def _jsonable(m: dict | None) -> dict | None:
    if m is None:
        return None
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in m.items()}


# ------------------------------------------------------------------------------------------------ main
def run_ensemble(args: argparse.Namespace) -> int:
    """Run ``--ensemble`` from parsed arguments; returns the exit code (2 with one ``error:`` line on bad input,
    the traceback with ``--debug``)."""
    return run_cli(_run, args, debug=bool(getattr(args, 'debug', False)))


def planned_outputs(args: argparse.Namespace, items: Sequence[tuple[str, ...]], work_dir: str) -> list[str]:
    """Every file this ``--ensemble`` run may write, so they are checked together before anything runs: the
    score dumps of CONFIG CHECKPOINT inputs, the work dir's fused scores, metrics and reports (all listed even
    where the inputs turn out to have no labels), the searched weights, the submission and the top-k csv."""
    paths = []
    for k, item in enumerate(items):
        if item[0] == 'model':
            apis = importlib.import_module('mg_posec3d.apis')  # lazy: pulls in torch / mmengine
            cfg = apis.load_config(item[1], getattr(args, 'cfg_options', None) or None, _input_dir(work_dir, k, item))
            paths += apis.planned_test_outputs(cfg, item[2])[1]
    paths += [os.path.join(work_dir, f'{name}_{kind}') for name in ['fused'] + [f'input{k}' for k in range(len(items))]
              for kind in ('per_class.csv', 'confusion.png')]
    paths += [os.path.join(work_dir, 'fused_scores.npz'), os.path.join(work_dir, 'ensemble_metrics.json')]
    if _opt(args, 'search_weights', False):
        paths.append(_opt(args, 'save_weights') or os.path.join(work_dir, 'ensemble_weights.json'))
    submission, topk = _opt(args, 'submission'), _opt(args, 'topk')
    if submission:
        fmt = FORMATS[submission]
        paths += [os.path.join(args.out, fmt.csv_name), os.path.join(args.out, fmt.zip_name)]
    if topk:
        paths.append(os.path.join(args.out if submission else work_dir, f'top{topk}.csv'))
    return paths


def _input_dir(work_dir: str, k: int, item: tuple[str, ...]) -> str:
    return os.path.join(work_dir, f'input{k}_{os.path.splitext(os.path.basename(item[1]))[0]}')


def _run(args: argparse.Namespace) -> int:
    tokens = _opt(args, 'ensemble')
    if not tokens:
        raise EnsembleError('--ensemble: no inputs given')
    weights, weights_file = _opt(args, 'weights'), _opt(args, 'weights_file')
    search, submission = bool(_opt(args, 'search_weights', False)), _opt(args, 'submission')
    topk, overwrite = _opt(args, 'topk'), bool(_opt(args, 'overwrite', False))
    if weights is not None and weights_file is not None:
        raise EnsembleError('give either --weights or --weights-file, not both')
    if search and weights_file is not None:
        raise EnsembleError('--search-weights finds new weights; it cannot be combined with --weights-file')
    if search and submission:
        raise EnsembleError('--search-weights with --submission would tune and submit on one split. Search '
                            'on the labelled val dumps first, then submit the test dumps with --weights-file')
    if submission and (not _opt(args, 'ann_file') or not _opt(args, 'out')):
        raise EnsembleError('--submission needs --ann-file (the test annotations) and --out (a folder)')
    test_ids: list[str] = []
    split = _opt(args, 'split', 'test')
    if submission:
        # everything a submission can be refused for up front, before any (slow) model testing
        if not os.path.isfile(args.ann_file):
            raise FileNotFoundError(f'{args.ann_file}: no such annotation file (--ann-file)')
        test_ids = load_test_ids(args.ann_file, None if split.lower() == 'none' else split)
    items = parse_inputs(tokens)
    if weights is not None and len(weights) != len(items):
        raise EnsembleError(f'{len(weights)} --weights given for {len(items)} inputs')
    work_dir = _opt(args, 'work_dir') or os.path.join(
        'work_dirs', 'ensemble', datetime.datetime.now().strftime('%Y%m%d_%H%M%S'))
    check_outputs(planned_outputs(args, items, work_dir), overwrite,
                  folders=[work_dir] + ([args.out] if submission else []))

    # 1. inputs -> dumps (config/checkpoint pairs are tested first)
    paths = []
    for k, item in enumerate(items):
        if item[0] == 'dump':
            paths.append(item[1])
            continue
        _, config, checkpoint = item
        run_test = importlib.import_module('mg_posec3d.apis').run_test  # lazy: pulls in torch / mmengine
        sub = _input_dir(work_dir, k, item)
        print(f'[{k}] testing {config} with {checkpoint} -> {sub}')
        extra = dict(trust_checkpoint=True) if getattr(args, 'trust_checkpoint', False) else {}
        paths.append(os.fspath(run_test(config, checkpoint, work_dir=sub, overwrite=overwrite,
                                        cfg_options=getattr(args, 'cfg_options', None) or None, **extra)))
    dumps = [load_scores(p) for p in paths]
    aligned = align_dumps(dumps)
    n, c = len(aligned.ids), aligned.num_classes
    n_lab = int(aligned.labelled.sum())
    print(f'\nEnsemble of {len(dumps)} score dumps: {n} samples, {c} classes, '
          f'labels known for {n_lab}' + ('' if n_lab in (0, n) else ' (metrics over those)'))
    for k, p in enumerate(aligned.names):
        print(f'  input{k}: {p}')
    written: list[str] = []

    # 2. weights: searched, loaded or given
    if search:
        if not aligned.labelled.all():
            raise EnsembleError(f'refusing --search-weights: {n - n_lab} of {n} samples have no label '
                                '(a test split?). Search on the labelled val dumps and apply the weights to '
                                'test with --weights-file.')
        res = search_weights(aligned, step=float(_opt(args, 'search_step', 0.05)),
                             metric=_opt(args, 'search_metric', 'top1'), reference=weights)
        path = res.save(_opt(args, 'save_weights') or os.path.join(work_dir, 'ensemble_weights.json'))
        written.append(path)
        ref_name = 'given' if weights is not None else 'default'
        print(f'\nWeight search on {n} labelled samples: maximise {res.metric}, step {res.step}, '
              f'{res.num_candidates} grid points')
        for label, w, m in ((ref_name, res.default_weights, res.default_metrics),
                            ('best', res.best_weights, res.best_metrics)):
            print(f'  {label:<8} weights {" ".join(f"{x:.3f}" for x in w)}  top1 {_fmt(m["top1"])}  '
                  f'top5 {_fmt(m["top5"])}  mean-class {_fmt(m["mean_class"])}')
        print(f'  gain over {ref_name} ({res.metric}): {res.gain:+.4f}  (on the split searched: optimistic)')
        print(f'  saved {path}; apply to the test dumps with --weights-file {path}')
        weights = res.best_weights
    elif weights_file is not None:
        saved = load_weights_file(weights_file, len(dumps))
        weights = saved.weights
        origin = (f' (searched on {saved.num_samples} samples, metric {saved.metric})'
                  if saved.num_samples else '')
        print(f'weights from {saved.path}: {" ".join(f"{x:.3f}" for x in weights)}{origin}')
        if saved.fingerprint and saved.fingerprint == ids_fingerprint(aligned.ids):
            print('WARNING: these are the very samples the weights were searched on; the metrics below are '
                  'optimistic. Apply searched weights to a different split.', file=sys.stderr)

    result = ensemble_aligned(aligned, weights)

    # 3. metrics, reports
    # the per-class table first, the summary last, so the summary is what stays on screen
    if result.fused_metrics is not None:
        mask = aligned.labelled
        fused_report = M.write_reports(work_dir, 'fused', result.fused[mask], aligned.labels[mask],
                                       aligned.class_names)
        written += [fused_report['per_class_csv'], fused_report['confusion_png']]
        for k, s in enumerate(aligned.scores):
            rep = M.write_reports(work_dir, f'input{k}', s[mask], aligned.labels[mask], aligned.class_names)
            written += [rep['per_class_csv'], rep['confusion_png']]
        print('\nPer class (fused; precision - where never predicted, recall - where absent):')
        print(M.format_per_class_table(fused_report['rows']))
        print(f'\nAccuracy over {int(mask.sum())} labelled samples:')
        print(format_metrics_table(aligned.names, result.weights, result.input_metrics, result.fused_metrics))
    else:
        print('weights: ' + ' '.join(f'{x:.3f}' for x in result.weights) + '  (no labels: no metrics)')
    os.makedirs(work_dir, exist_ok=True)
    fused_path = result.save(os.path.join(work_dir, 'fused_scores.npz'))
    summary = dict(inputs=aligned.names, weights=[float(w) for w in result.weights], num_samples=n,
                   num_labelled=n_lab, num_classes=c,
                   input_metrics=[_jsonable(m) for m in result.input_metrics or []],
                   fused_metrics=_jsonable(result.fused_metrics), fused_scores=fused_path)
    metrics_path = os.path.join(work_dir, 'ensemble_metrics.json')
    with atomic_open(metrics_path, 'w') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    written += [fused_path, metrics_path]

    # 4. submission
    out = _opt(args, 'out')
    if submission:
        rows = rows_from_scores(aligned.ids, result.fused, test_ids, source='the fused scores')
        sub = write_submission(rows, out, submission, test_ids, c, overwrite=overwrite)
        written += [sub.csv_path, sub.zip_path]
        counts = ', '.join(f'{k}:{v}' for k, v in sub.label_counts.items())
        print(f'\n{sub.format.description}\n  {sub.num_rows} test clips from {args.ann_file} '
              f'(split {split}); validated and read back: every test id once, labels in [0, {c})\n'
              f'  predicted label counts {{label:clips}}: {counts}\n  upload: {sub.zip_path}')
    if topk:
        topk_path = os.path.join(out if submission else work_dir, f'top{topk}.csv')
        named = aligned.class_names != [str(i) for i in range(c)]
        written.append(write_topk_csv(topk_path, aligned.ids, result.fused, topk,
                                      aligned.class_names if named else None, overwrite=overwrite))
    print('\nwritten:\n' + '\n'.join(f'  {p}' for p in written))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m mg_posec3d.evaluation.cli',
        description='Fuse score dumps, search fusion weights, write MiGA submissions.')
    add_ensemble_arguments(parser)
    return parser


@cli_main
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.ensemble:
        build_parser().error('--ensemble is required')
    return run_ensemble(args)


if __name__ == '__main__':
    sys.exit(main())
