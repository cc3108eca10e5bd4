"""One cross-subject comparison of the skeleton methods, measured the same way for all (tools/analysis/
compare_methods.py).

Subjects are split into folds (default 4 folds of 2 participants for the bundled 8-participant sample: every
participant is tested once). In fold k the models train on the other participants except one validation
participant (the first of the next fold's group), on which the fusion weights are searched; the test participants
are never seen. Every model trains for a fixed number of epochs (cosine schedule to 0) and its last checkpoint is
tested: no validation during training, no checkpoint picking. Each method is a shipped config (demo size) trained
with ``mg_posec3d.apis.train``
and tested with ``test_checkpoint`` (score dumps by clip id); fusions are ``evaluation.ensemble`` on those dumps;
the ridge reference (:mod:`.ridge`) is fitted on the same training participants.
"""
from __future__ import annotations

import glob
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..evaluation import metrics as M
from ..evaluation.ensemble import align_dumps, ensemble_aligned, search_weights
from ..fileio import atomic_open, load_scores, safe_load_pickle, save_pickle, save_scores
from .ridge import fit_hand_ridge, ridge_scores

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_ANN = os.path.join(REPO, 'mg_posec3d', 'data', 'rtg_sample', 'rtg_miga22.pkl')


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    config: str  # relative to the repository
    options: dict = field(default_factory=dict)
    default: bool = True  # part of the default run (the 60-minute budget)


_CE_ONLY = {'model.cls_head.loss_emb_weight': 0.0}
METHODS: dict[str, Method] = {m.name: m for m in (
    Method('posec3d_joint_ce', 'PoseC3D joint, CE', 'configs/demo/joint.py', _CE_ONLY),
    Method('posec3d_joint_mse', 'PoseC3D joint, CE + MSE', 'configs/demo/joint.py'),
    Method('posec3d_joint_js', 'PoseC3D joint, CE + JS', 'configs/demo/joint_js.py'),
    Method('posec3d_limb_ce', 'PoseC3D limb, CE', 'configs/demo/limb.py', _CE_ONLY),
    Method('posec3d_limb_mse', 'PoseC3D limb, CE + MSE', 'configs/demo/limb.py'),
    Method('posec3d_limb_js', 'PoseC3D limb, CE + JS', 'configs/demo/limb_js.py'),
    Method('posec3d_joint_js_only', 'PoseC3D joint, JS alone', 'configs/demo/joint_js_only.py', default=False),
    # fp32 vs bf16 training of the same model (docs/speed.md); emulated where the CPU has no native bf16
    Method('posec3d_joint_mse_bf16', 'PoseC3D joint, CE + MSE, bf16 training', 'configs/demo/joint.py',
           {'precision': 'bf16', 'allow_emulated_bf16': True}, default=False),
    Method('posec3d_limb_mse_bf16', 'PoseC3D limb, CE + MSE, bf16 training', 'configs/demo/limb.py',
           {'precision': 'bf16', 'allow_emulated_bf16': True}, default=False),
    Method('stgcn_joint', 'ST-GCN joint', 'configs/demo/stgcn_joint.py'),
    Method('stgcn_bone', 'ST-GCN bone', 'configs/demo/stgcn_bone.py'),
)}
# fixed-weight fusions (name, label, inputs, weights); 'best_val' is searched per fold on the validation subject
FUSIONS = (
    ('posec3d_joint_limb_2to3', 'PoseC3D joint + limb 2:3 (CE + MSE, the MiGA 2023 recipe)',
     ('posec3d_joint_mse', 'posec3d_limb_mse'), (2.0, 3.0)),
    ('stgcn_joint_bone_1to1', 'ST-GCN joint + bone 1:1', ('stgcn_joint', 'stgcn_bone'), (1.0, 1.0)),
)
BEST_FUSION = 'best_val_fusion'
RIDGE = 'ridge_right_hand'


class CompareError(ValueError):
    """Bad options for the comparison (unknown method, impossible folds)."""


@dataclass
class Fold:
    index: int
    test: tuple
    val: tuple
    train: tuple


def make_folds(subjects: Sequence, num_folds: int) -> list[Fold]:
    """``num_folds`` groups of consecutive subjects (sorted) as test sets; validation = the first subject of the
    next group; training = everyone else."""
    subjects = sorted(set(subjects))
    if num_folds < 2 or num_folds > len(subjects):
        raise CompareError(f'--folds must be between 2 and the number of subjects ({len(subjects)}), got {num_folds}')
    groups = [tuple(g.tolist()) for g in np.array_split(np.array(subjects, dtype=object), num_folds)]
    folds = []
    for k, test in enumerate(groups):
        val = (groups[(k + 1) % num_folds][0], )
        train = tuple(s for s in subjects if s not in test and s not in val)
        if not train:
            raise CompareError(f'fold {k}: no training subjects left; use fewer folds')
        folds.append(Fold(k, test, val, train))
    return folds


def parse_methods(names: Sequence[str] | None) -> list[Method]:
    if not names:
        return [m for m in METHODS.values() if m.default]
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        raise CompareError(f'unknown method(s) {unknown}; choose from {sorted(METHODS)}')
    return [METHODS[n] for n in dict.fromkeys(names)]


def load_annotations(ann_file: str) -> dict:
    if not os.path.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: no such annotation file')
    data = safe_load_pickle(ann_file)
    annos = data.get('annotations') if isinstance(data, dict) else None
    if not annos:
        raise CompareError(f'{ann_file}: no annotations')
    missing = [str(a.get('frame_dir')) for a in annos if a.get('subject') is None]
    if missing:
        raise CompareError(f'{ann_file}: sample {missing[0]!r}: field subject missing (cross-subject folds need '
                           f'it; {len(missing)} sample(s) lack it)')
    return data


def write_fold_file(data: dict, fold: Fold, path: str) -> str:
    """The annotation file of a fold: splits train / val / test by subject."""
    split = {name: [a['frame_dir'] for a in data['annotations'] if a['subject'] in subjects]
             for name, subjects in (('train', fold.train), ('val', fold.val), ('test', fold.test))}
    save_pickle(dict(data, split=split), path)
    return path


def method_options(ann_file: str, work_dir: str, epochs: int | None, seed: int) -> dict:
    """cfg-options that point a demo config at a fold file, keep the run quiet and single-process, and train
    without validation (the last checkpoint is tested)."""
    opts = {'work_dir': work_dir, 'log_level': 'WARNING', 'randomness.seed': seed,
            'default_hooks.logger.interval': 1000, 'default_hooks.checkpoint.max_keep_ckpts': 1,
            'default_hooks.checkpoint.save_best': None, 'train_cfg.val_begin': 10 ** 6}
    for key in ('train', 'val', 'test'):
        opts.update({f'{key}_dataloader.dataset.ann_file': ann_file, f'{key}_dataloader.dataset.split': key,
                     f'{key}_dataloader.num_workers': 0, f'{key}_dataloader.persistent_workers': False})
    if epochs is not None:
        opts.update({'train_cfg.max_epochs': epochs, 'param_scheduler.0.T_max': epochs})
    return opts


def last_checkpoint(work_dir: str) -> str:
    found = sorted(glob.glob(os.path.join(work_dir, 'epoch_*.pth')), key=os.path.getmtime)
    if not found:
        raise RuntimeError(f'{work_dir}: training wrote no checkpoint')
    return found[-1]


def run_method(method: Method, fold_ann: str, work_dir: str, epochs: int | None, seed: int) -> dict[str, str]:
    """Train ``method`` on the fold file and dump its scores on val and test (skipped when the dumps exist)."""
    from ..apis import load_config, test_checkpoint, train

    dumps = {split: os.path.join(work_dir, f'scores_{split}.npz') for split in ('val', 'test')}
    if all(os.path.isfile(p) for p in dumps.values()):
        return dumps
    opts = dict(method.options, **method_options(fold_ann, work_dir, epochs, seed))
    train(load_config(os.path.join(REPO, method.config), opts))
    ckpt = last_checkpoint(work_dir)
    for split, dump in dumps.items():
        cfg = load_config(os.path.join(REPO, method.config), dict(opts, **{'test_dataloader.dataset.split': split}))
        test_checkpoint(cfg, ckpt, dump=dump)  # written atomically: a dump exists only once complete
    return dumps


def _metrics(dump_path: str) -> dict:
    d = load_scores(dump_path)
    m = M.evaluate(d.scores, d.labels)
    return dict(top1=m['top1'], mean_class=m['mean_class'], num_samples=m['num_samples'])


def fold_fusions(dumps: dict[str, dict[str, str]], out_dir: str) -> dict[str, dict]:
    """Fixed fusions and the fusion searched on val (over every method trained), evaluated on test."""
    results = {}
    for name, _, inputs, weights in FUSIONS:
        if all(i in dumps for i in inputs):
            res = ensemble_aligned(align_dumps([load_scores(dumps[i]['test']) for i in inputs]), weights)
            results[name] = dict(res.fused_metrics, weights=list(map(float, res.weights)))
    names = sorted(dumps)
    if len(names) >= 2:
        step = 0.1 if len(names) <= 4 else 0.25
        val = align_dumps([load_scores(dumps[n]['val']) for n in names])
        found = search_weights(val, step=step, metric='top1')
        test = ensemble_aligned(align_dumps([load_scores(dumps[n]['test']) for n in names]), found.best_weights)
        results[BEST_FUSION] = dict(test.fused_metrics, weights=dict(zip(names, map(float, found.best_weights))),
                                    val_top1=found.best_score)
        test.save(os.path.join(out_dir, f'{BEST_FUSION}_test.npz'))
    return {k: {kk: v for kk, v in r.items() if kk != 'top5'} for k, r in results.items()}


def fold_ridge(data: dict, fold: Fold, num_classes: int, out_dir: str) -> dict:
    train = [a for a in data['annotations'] if a['subject'] in fold.train + fold.val]
    test = [a for a in data['annotations'] if a['subject'] in fold.test]
    fit = fit_hand_ridge(train, num_classes)
    path = save_scores(os.path.join(out_dir, f'{RIDGE}_test.npz'), [a['frame_dir'] for a in test],
                       ridge_scores(fit, test), [a['label'] for a in test])
    return dict(_metrics(path), frames=fit.frames, alpha=fit.model.alpha)


@dataclass
class Comparison:
    folds: list[Fold]
    results: dict  # fold index -> {entry name: metrics}
    seconds: dict  # fold index -> {method name: seconds}
    methods: list[Method]
    epochs: int | None
    total_seconds: float = 0.0


def _train_and_test(task: tuple) -> tuple:
    """One (fold, method) run, in a worker process with one torch thread (small convolutions on a 2-core
    machine: two one-thread runs side by side beat one two-thread run)."""
    method, fold_ann, work_dir, epochs, seed, threads = task
    if threads:
        import torch

        torch.set_num_threads(threads)
    t0 = time.time()
    dumps = run_method(method, fold_ann, work_dir, epochs, seed)
    return dumps, round(time.time() - t0, 1)


def run_comparison(ann_file: str, work_dir: str, methods: Sequence[Method], num_folds: int = 4,
                   max_folds: int | None = None, epochs: int | None = None, seed: int = 0, jobs: int = 1,
                   log: Callable[[str], None] = print) -> Comparison:
    """Train and test every (fold, method), ``jobs`` at a time, then fuse and fit the ridge per fold."""
    start = time.time()
    data = load_annotations(ann_file)
    num_classes = int(max(a['label'] for a in data['annotations'])) + 1
    folds = make_folds([a['subject'] for a in data['annotations']], num_folds)[:max_folds]
    tasks = {}
    for fold in folds:
        fold_dir = os.path.join(work_dir, f'fold{fold.index}')
        os.makedirs(fold_dir, exist_ok=True)
        fold_ann = write_fold_file(data, fold, os.path.join(fold_dir, 'annotations.pkl'))
        log(f'fold {fold.index}: test {fold.test}, val {fold.val}, train {fold.train}')
        for method in methods:
            tasks[fold.index, method.name] = (method, fold_ann, os.path.join(fold_dir, method.name), epochs, seed,
                                              1 if jobs > 1 else None)
    done = {}
    if jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context('spawn')) as pool:
            futures = {pool.submit(_train_and_test, task): key for key, task in tasks.items()}
            for fut in as_completed(futures):
                done[futures[fut]] = fut.result()
                log(f'  fold {futures[fut][0]} {futures[fut][1]}: done ({done[futures[fut]][1]:.0f} s)')
    else:
        for key, task in tasks.items():
            done[key] = _train_and_test(task)
            log(f'  fold {key[0]} {key[1]}: done ({done[key][1]:.0f} s)')
    results, seconds = {}, {}
    for fold in folds:
        fold_dir = os.path.join(work_dir, f'fold{fold.index}')
        dumps = {m.name: done[fold.index, m.name][0] for m in methods}
        seconds[fold.index] = {m.name: done[fold.index, m.name][1] for m in methods}
        results[fold.index] = {name: _metrics(d['test']) for name, d in dumps.items()}
        results[fold.index].update(fold_fusions(dumps, fold_dir))
        results[fold.index][RIDGE] = fold_ridge(data, fold, num_classes, fold_dir)
    return Comparison(folds, results, seconds, list(methods), epochs, round(time.time() - start, 1))


# ----------------------------------------------------------------------------------------------- reporting
def summary_rows(comp: Comparison) -> list[dict]:
    """Per entry (methods, fusions, ridge): mean and std over folds of top-1 and mean-class accuracy."""
    labels = {m.name: m.label for m in comp.methods}
    labels.update({name: label for name, label, _, _ in FUSIONS})
    labels[BEST_FUSION] = 'best fusion (weights searched on the validation subject of each fold)'
    labels[RIDGE] = 'ridge classifier on right-hand shape (reference)'
    order = [m.name for m in comp.methods] + [f[0] for f in FUSIONS] + [BEST_FUSION, RIDGE]
    rows = []
    for name in order:
        per_fold = [comp.results[f.index][name] for f in comp.folds if name in comp.results[f.index]]
        if len(per_fold) != len(comp.folds):
            continue
        top1 = np.array([r['top1'] for r in per_fold])
        mc = np.array([r['mean_class'] for r in per_fold])
        rows.append(dict(name=name, label=labels[name], top1=float(top1.mean()), top1_std=float(top1.std()),
                         mean_class=float(mc.mean()), mean_class_std=float(mc.std()),
                         per_fold=[round(float(x), 3) for x in top1]))
    return rows


def markdown_table(comp: Comparison, rows: list[dict]) -> str:
    ridge = next((r for r in rows if r['name'] == RIDGE), None)
    lines = ['| method | top-1 (mean ± std) | mean-class (mean ± std) | top-1 per fold | vs ridge (top-1) |',
             '|---|---|---|---|---|']
    for r in rows:
        diff = '' if ridge is None or r is ridge else f'{100 * (r["top1"] - ridge["top1"]):+.1f} points'
        lines.append(f'| {r["label"]} | {r["top1"]:.3f} ± {r["top1_std"]:.3f} | {r["mean_class"]:.3f} ± '
                     f'{r["mean_class_std"]:.3f} | {" / ".join(f"{x:.3f}" for x in r["per_fold"])} | {diff} |')
    best = max((r for r in rows if r['name'] != RIDGE), key=lambda r: r['top1'], default=None)
    folds = '; '.join(f'test {f.test}, val {f.val}' for f in comp.folds)
    note = [f'\n{len(comp.folds)} fold(s) ({folds}); '
            f'epochs: {comp.epochs or "as in each demo config"}; wall time {comp.total_seconds / 60:.1f} min.']
    if best and ridge:
        note.append(f'Best: {best["label"]}, {100 * (best["top1"] - ridge["top1"]):+.1f} points top-1 over the ridge '
                    'reference on the same folds.')
    return '\n'.join(lines) + '\n' + ' '.join(note) + '\n'


def bar_plot(rows: list[dict], path: str) -> str:
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(rows) + 2), 4.5))
    ax.bar(x - 0.2, [r['top1'] for r in rows], 0.4, yerr=[r['top1_std'] for r in rows], capsize=3, label='top-1')
    ax.bar(x + 0.2, [r['mean_class'] for r in rows], 0.4, yerr=[r['mean_class_std'] for r in rows], capsize=3,
           label='mean-class')
    ax.set_xticks(x, [r['name'] for r in rows], rotation=35, ha='right', fontsize=8)
    ax.set_ylim(0, 1)
    ax.axhline(1 / 3, color='grey', lw=0.8, ls='--', label='chance (3 classes)')
    ax.set_ylabel('accuracy (mean ± std over folds)')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(comp: Comparison, out_dir: str) -> dict[str, str]:
    os.makedirs(out_dir, exist_ok=True)
    rows = summary_rows(comp)
    paths = {k: os.path.join(out_dir, f'comparison.{k}') for k in ('md', 'png', 'json')}
    with atomic_open(paths['md'], 'w') as f:
        f.write(markdown_table(comp, rows))
    bar_plot(rows, paths['png'])
    with atomic_open(paths['json'], 'w') as f:
        json.dump(dict(rows=rows, per_fold=comp.results, seconds=comp.seconds, epochs=comp.epochs,
                       total_seconds=comp.total_seconds,
                       folds=[dict(index=f.index, test=list(f.test), val=list(f.val), train=list(f.train))
                              for f in comp.folds]), f, indent=2, default=str)
    return paths
