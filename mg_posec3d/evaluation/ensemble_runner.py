"""One ensemble run as a function: inputs -> fused scores, metrics, reports, weights, submission.

:func:`run_ensemble` is what ``tools/test.py --ensemble`` calls; it takes plain arguments, writes files and
returns an :class:`EnsembleRun` for the caller to print. Inputs are score files (our ``.npz``, mmaction2 /
PYSKL ``.pkl``) and ``CONFIG.py CHECKPOINT`` pairs, which are tested first with ``mg_posec3d.apis.run_test``.
Every file a run may write is checked before anything runs (a refusal costs nothing).
"""
from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..fileio import atomic_open, check_outputs
from . import metrics as M
from .ensemble import (
    EnsembleError,
    EnsembleResult,
    SavedWeights,
    WeightSearchResult,
    align_dumps,
    ensemble_aligned,
    ids_fingerprint,
    load_weights_file,
    search_weights,
)
from .score_pickle import is_score_pickle, load_score_file
from .submission import FORMATS, WrittenSubmission, load_test_ids, rows_from_scores, write_submission, write_topk_csv


@dataclass
class EnsembleRun:
    """What :func:`run_ensemble` did: the fusion, how its weights were chosen, and the files it wrote."""
    result: EnsembleResult
    work_dir: str
    written: list[str]
    search: WeightSearchResult | None = None  # with search=True
    saved_weights: SavedWeights | None = None  # with weights_file
    weights_on_their_own_split: bool = False  # weights_file applied to the samples it was searched on
    per_class_rows: list[dict] | None = None  # of the fusion, where labels are known
    submission: WrittenSubmission | None = None
    test_ids: list[str] = field(default_factory=list)


def parse_inputs(tokens: Sequence[str]) -> list[tuple[str, ...]]:
    """Split ``--ensemble`` tokens into ('dump', path) and ('model', config, checkpoint) items."""
    def is_dump(tok: str) -> bool:
        return tok.endswith('.npz') or is_score_pickle(tok)

    items, k = [], 0
    tokens = [os.fspath(t) for t in tokens]
    while k < len(tokens):
        tok = tokens[k]
        if is_dump(tok):
            items.append(('dump', tok))
            k += 1
        elif tok.endswith('.py'):
            if k + 1 >= len(tokens) or tokens[k + 1].endswith('.py') or is_dump(tokens[k + 1]):
                raise EnsembleError(f'--ensemble: config {tok} must be followed by its checkpoint')
            items.append(('model', tok, tokens[k + 1]))
            k += 2
        else:
            raise EnsembleError(f'--ensemble: {tok!r} is neither a score dump (.npz, or .pkl from mmaction2 / '
                                'PYSKL) nor a config (.py) followed by its checkpoint')
    if not items:
        raise EnsembleError('--ensemble needs at least one input')
    return items


def _input_dir(work_dir: str, k: int, item: tuple[str, ...]) -> str:
    return os.path.join(work_dir, f'input{k}_{os.path.splitext(os.path.basename(item[1]))[0]}')


def planned_outputs(items: Sequence[tuple[str, ...]], work_dir: str, *, search: bool = False,
                    save_weights: str | None = None, submission: str | None = None, out: str | None = None,
                    topk: int | None = None, cfg_options: dict | None = None) -> list[str]:
    """Every file a run may write, so they are checked together before anything runs: the score dumps of
    CONFIG CHECKPOINT inputs, the work dir's fused scores, metrics and reports (all listed even where the inputs
    turn out to have no labels), the searched weights, the submission and the top-k csv."""
    paths = []
    for k, item in enumerate(items):
        if item[0] == 'model':
            from .. import apis  # lazy: pulls in torch / mmengine
            cfg = apis.load_config(item[1], cfg_options or None, _input_dir(work_dir, k, item))
            paths += apis.planned_test_outputs(cfg, item[2])[1]
    paths += [os.path.join(work_dir, f'{name}_{kind}') for name in ['fused'] + [f'input{k}' for k in range(len(items))]
              for kind in ('per_class.csv', 'confusion.png')]
    paths += [os.path.join(work_dir, 'fused_scores.npz'), os.path.join(work_dir, 'ensemble_metrics.json')]
    if search:
        paths.append(save_weights or os.path.join(work_dir, 'ensemble_weights.json'))
    if submission:
        fmt = FORMATS[submission]
        paths += [os.path.join(out, fmt.csv_name), os.path.join(out, fmt.zip_name)]
    if topk:
        paths.append(os.path.join(out if submission else work_dir, f'top{topk}.csv'))
    return paths


def _jsonable(m: dict | None) -> dict | None:
    if m is None:
        return None
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in m.items()}


def _check_options(weights, weights_file, search: bool, submission, ann_file, out) -> None:
    if weights is not None and weights_file is not None:
        raise EnsembleError('give either --weights or --weights-file, not both')
    if search and weights_file is not None:
        raise EnsembleError('--search-weights finds new weights; it cannot be combined with --weights-file')
    if search and submission:
        raise EnsembleError('--search-weights with --submission would tune and submit on one split. Search '
                            'on the labelled val dumps first, then submit the test dumps with --weights-file')
    if submission and (not ann_file or not out):
        raise EnsembleError('--submission needs --ann-file (the test annotations) and --out (a folder)')
    if submission and submission not in FORMATS:
        raise EnsembleError(f'unknown submission format {submission!r}; choose from {sorted(FORMATS)}')


def run_ensemble(inputs: Sequence[str], *, weights: Sequence[float] | None = None, weights_file: str | None = None,
                 search: bool = False, search_step: float = 0.05, search_metric: str = 'top1',
                 save_weights: str | None = None, submission: str | None = None, ann_file: str | None = None,
                 split: str | None = 'test', out: str | None = None, topk: int | None = None,
                 work_dir: str | None = None, overwrite: bool = False, cfg_options: dict | None = None,
                 trust_checkpoint: bool = False, log: Callable[[str], None] = print) -> EnsembleRun:
    """Fuse ``inputs`` (score files and/or CONFIG CHECKPOINT pairs, matched by sample id) and write the reports.

    Weights: ``weights`` (one per input), a ``weights_file`` saved by a search, or (``search=True``) a grid
    search on these labelled inputs, saved to ``save_weights`` (default ``WORK_DIR/ensemble_weights.json``);
    default 2:3 for two inputs, equal otherwise. ``ann_file`` / ``split`` (None = every annotation) give the
    ids of the submission and of score pickles that hold none. ``submission`` ('miga2023' / 'miga2025') writes
    a validated upload zip to ``out``; ``topk`` a csv of the k best labels per sample. Existing outputs are
    refused unless ``overwrite``. ``log`` receives progress lines (the model testing of CONFIG CHECKPOINT
    pairs). Raises ``EnsembleError`` / ``ValueError`` / ``OSError`` naming the file on bad input.
    """
    _check_options(weights, weights_file, search, submission, ann_file, out)
    test_ids: list[str] = []
    if submission:
        # everything a submission can be refused for up front, before any (slow) model testing
        if not os.path.isfile(ann_file):
            raise FileNotFoundError(f'{ann_file}: no such annotation file (--ann-file)')
        test_ids = load_test_ids(ann_file, split)
    items = parse_inputs(inputs)
    if weights is not None and len(weights) != len(items):
        raise EnsembleError(f'{len(weights)} --weights given for {len(items)} inputs')
    work_dir = work_dir or os.path.join('work_dirs', 'ensemble', datetime.datetime.now().strftime('%Y%m%d_%H%M%S'))
    check_outputs(planned_outputs(items, work_dir, search=search, save_weights=save_weights, submission=submission,
                                  out=out, topk=topk, cfg_options=cfg_options),
                  overwrite, folders=[work_dir] + ([out] if submission else []))

    # 1. inputs -> dumps: score files read first (a bad one fails before any slow model testing), then the
    # config/checkpoint pairs tested
    dumps = {k: load_score_file(item[1], ann_file, split) for k, item in enumerate(items) if item[0] == 'dump'}
    for k, item in enumerate(items):
        if item[0] == 'model':
            from ..apis import run_test  # lazy: pulls in torch / mmengine
            _, config, checkpoint = item
            sub = _input_dir(work_dir, k, item)
            log(f'[{k}] testing {config} with {checkpoint} -> {sub}')
            extra = dict(trust_checkpoint=True) if trust_checkpoint else {}
            dumps[k] = load_score_file(run_test(config, checkpoint, work_dir=sub, overwrite=overwrite,
                                                cfg_options=cfg_options or None, **extra))
    aligned = align_dumps([dumps[k] for k in range(len(items))])
    written: list[str] = []

    # 2. weights: searched, loaded or given
    searched, saved, own_split = None, None, False
    if search:
        if not aligned.labelled.all():
            n, n_lab = len(aligned.ids), int(aligned.labelled.sum())
            raise EnsembleError(f'refusing --search-weights: {n - n_lab} of {n} samples have no label '
                                '(a test split?). Search on the labelled val dumps and apply the weights to '
                                'test with --weights-file.')
        searched = search_weights(aligned, step=float(search_step), metric=search_metric, reference=weights)
        written.append(searched.save(save_weights or os.path.join(work_dir, 'ensemble_weights.json')))
        weights = searched.best_weights
    elif weights_file is not None:
        saved = load_weights_file(weights_file, len(items))
        weights = saved.weights
        own_split = bool(saved.fingerprint) and saved.fingerprint == ids_fingerprint(aligned.ids)
    result = ensemble_aligned(aligned, weights)
    run = EnsembleRun(result=result, work_dir=work_dir, written=written, search=searched, saved_weights=saved,
                      weights_on_their_own_split=own_split, test_ids=test_ids)

    # 3. reports of the fusion and of each input, over the labelled samples
    if result.fused_metrics is not None:
        mask = aligned.labelled
        fused_report = M.write_reports(work_dir, 'fused', result.fused[mask], aligned.labels[mask],
                                       aligned.class_names)
        run.per_class_rows = fused_report['rows']
        written += [fused_report['per_class_csv'], fused_report['confusion_png']]
        for k, s in enumerate(aligned.scores):
            rep = M.write_reports(work_dir, f'input{k}', s[mask], aligned.labels[mask], aligned.class_names)
            written += [rep['per_class_csv'], rep['confusion_png']]
    os.makedirs(work_dir, exist_ok=True)
    fused_path = result.save(os.path.join(work_dir, 'fused_scores.npz'))
    summary = dict(inputs=aligned.names, weights=[float(w) for w in result.weights], num_samples=len(aligned.ids),
                   num_labelled=int(aligned.labelled.sum()), num_classes=aligned.num_classes,
                   input_metrics=[_jsonable(m) for m in result.input_metrics or []],
                   fused_metrics=_jsonable(result.fused_metrics), fused_scores=fused_path)
    metrics_path = os.path.join(work_dir, 'ensemble_metrics.json')
    with atomic_open(metrics_path, 'w') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    written += [fused_path, metrics_path]

    # 4. submission, top-k
    if submission:
        rows = rows_from_scores(aligned.ids, result.fused, test_ids, source='the fused scores')
        run.submission = write_submission(rows, out, submission, test_ids, aligned.num_classes, overwrite=overwrite)
        written += [run.submission.csv_path, run.submission.zip_path]
    if topk:
        topk_path = os.path.join(out if submission else work_dir, f'top{topk}.csv')
        named = aligned.class_names != [str(i) for i in range(aligned.num_classes)]
        written.append(write_topk_csv(topk_path, aligned.ids, result.fused, topk,
                                      aligned.class_names if named else None, overwrite=overwrite))
    return run


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


def format_search(search: WeightSearchResult, given: bool) -> str:
    """The weight-search summary: reference and best weights with their metrics, and the gain."""
    ref_name = 'given' if given else 'default'
    lines = [f'Weight search on {search.num_samples} labelled samples: maximise {search.metric}, step {search.step}, '
             f'{search.num_candidates} grid points']
    for label, w, m in ((ref_name, search.default_weights, search.default_metrics),
                        ('best', search.best_weights, search.best_metrics)):
        lines.append(f'  {label:<8} weights {" ".join(f"{x:.3f}" for x in w)}  top1 {_fmt(m["top1"])}  '
                     f'top5 {_fmt(m["top5"])}  mean-class {_fmt(m["mean_class"])}')
    lines.append(f'  gain over {ref_name} ({search.metric}): {search.gain:+.4f}  (on the split searched: optimistic)')
    return '\n'.join(lines)
