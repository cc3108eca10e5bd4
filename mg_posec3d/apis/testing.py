"""Testing a checkpoint: the checks made before anything runs (outputs, checkpoint fit), the score dumps and
per-pathway dumps, and the mmengine Runner's test loop."""
from __future__ import annotations

import contextlib
import os
import os.path as osp

from mmengine.config import Config

from ..cli_utils import UserError
from ..config_checks import warn_config_pitfalls
from ..datasets.validation import is_unlabelled
from ..fileio import check_outputs, load_checkpoint, safe_load_pickle, trusted_checkpoint
from ..fileio.checkpoint import CheckpointError, require_fit, state_dict_of
from .config import dataset_configs, load_config


def annotations_have_labels(ann_file: str, split: str | None) -> bool:
    data = safe_load_pickle(ann_file)
    annos = data['annotations'] if isinstance(data, dict) else data
    if split is not None and isinstance(data, dict) and 'split' in data:
        wanted = set(data['split'].get(split, []))
        annos = [a for a in annos if a.get('frame_dir') in wanted]
    return bool(annos) and not any(is_unlabelled(a) for a in annos)


def check_checkpoint(checkpoint: str, cfg: Config, trust: bool = False) -> None:
    """Fail early and clearly on a missing, refused or unreadable checkpoint, or one that does not fit the
    model of ``cfg``: every parameter and buffer must be there with the right shape."""
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.registry import DefaultScope

    try:
        state = state_dict_of(load_checkpoint(checkpoint, trust=trust))
    except (CheckpointError, FileNotFoundError) as e:
        raise UserError(str(e)) from None
    head = cfg.model.get('cls_head', {})
    w = state.get('cls_head.fc_cls.weight')
    if w is not None and head.get('num_classes') and w.shape[0] != head['num_classes']:
        raise UserError(f'checkpoint {checkpoint} has {w.shape[0]} classes but config has '
                        f'num_classes={head["num_classes"]}: wrong checkpoint for this config?')
    conv = state.get('backbone.conv1.conv.weight')
    in_ch = cfg.model.get('backbone', {}).get('in_channels')
    if conv is not None and in_ch and conv.shape[1] != in_ch:
        raise UserError(f'checkpoint {checkpoint} expects {conv.shape[1]} input heatmap channels but the config '
                        f'has in_channels={in_ch} (joint vs limb checkpoint?)')
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmaction')):  # as the Runner builds it
        model = MODELS.build(cfg.model)  # cheap on CPU; gives every key and shape the checkpoint must have
    try:
        require_fit(model.state_dict(), state, checkpoint, cfg.filename)
    except CheckpointError as e:
        raise UserError(str(e)) from None


PICKLE_DUMP_EXTENSIONS = ('.pkl', '.pickle')  # mmaction2's --dump format; anything else is our .npz


def _dump_evaluators(cfg: Config, dump: str) -> list[dict]:
    """The config's test evaluators with the score dump (and two-stream per-pathway dumps) pointed at ``dump``:
    our ``ScoreDumpMetric`` for an ``.npz``, mmaction2's ``DumpResults`` format for a ``.pkl``."""
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    # two-stream models: per-pathway dumps next to the fused one (X_rgb.npz, X_pose.npz)
    evaluators = [dict(e, out_file=dump) if e.get('type') == 'PathwayScoreMetric' and not e.get('out_file') else e
                  for e in evaluators]
    evaluators = [e for e in evaluators if e.get('type') not in ('ScoreDumpMetric', 'MMActionDumpResults')]
    if dump.endswith(PICKLE_DUMP_EXTENSIONS):
        return evaluators + [dict(type='MMActionDumpResults', out_file_path=dump)]
    return evaluators + [dict(type='ScoreDumpMetric', out_file=dump)]


def _pickles_a_list(path: str) -> bool:
    """Whether the pickle at ``path`` holds a list at its top (a score dump; annotation files are dicts). Reads
    the first opcodes only, runs nothing."""
    import pickletools

    try:
        with open(path, 'rb') as f:
            for op, _, _ in pickletools.genops(f):
                if op.name not in ('PROTO', 'FRAME'):
                    return op.name == 'EMPTY_LIST'  # what pickle protocols 1-5 write for a list
    except (OSError, ValueError):
        pass
    return False


def _check_dump_path(cfg: Config, dump: str) -> None:
    if not dump.endswith(('.npz',) + PICKLE_DUMP_EXTENSIONS):
        # also what keeps --dump from landing on a .pth or a config, even with --overwrite
        raise UserError(f'--dump {dump}: a score dump is an .npz file (ours) or a .pkl file (mmaction2\'s format); '
                        'give a path ending in .npz or .pkl')
    ann_files = {osp.realpath(ds['ann_file']) for ds in dataset_configs(cfg) if ds.get('ann_file')}
    if osp.realpath(dump) in ann_files or (dump.endswith(PICKLE_DUMP_EXTENSIONS) and osp.isfile(dump)
                                           and not _pickles_a_list(dump)):
        # never replaced, even with --overwrite: a pickle that is no score dump is likely an annotation file
        raise UserError(f'--dump {dump}: this file is an annotation file or another pickle, not a score dump; '
                        'refusing to replace it (even with --overwrite)')


def planned_test_outputs(cfg: Config, checkpoint: str, dump: str | None = None) -> tuple[str, list[str]]:
    """(score-dump path, every file testing ``checkpoint`` will write): the dump (default
    ``WORK_DIR/scores_<split>_<checkpoint name>.npz``) and a two-stream model's per-pathway dumps. mmengine's
    own log folder (``WORK_DIR/<timestamp>/``) is new on every run and not listed."""
    if dump is not None:
        _check_dump_path(cfg, os.fspath(dump))
    if not dump:
        split = cfg.test_dataloader.dataset.get('split') or 'test'
        dump = osp.join(cfg.work_dir, f'scores_{split}_{osp.splitext(osp.basename(checkpoint))[0]}.npz')
    dump = os.fspath(dump)
    outputs = [dump]
    for e in _dump_evaluators(cfg, dump):
        if e.get('type') == 'PathwayScoreMetric' and e.get('out_file'):
            from ..evaluation.pathway_metric import PathwayScoreMetric
            metric = PathwayScoreMetric(**{k: v for k, v in e.items() if k != 'type'})
            outputs += [metric.dump_path(p) for p in metric.pathways]
    return dump, outputs


def test_checkpoint(config: str | Config, checkpoint: str, work_dir: str | None = None,
                    cfg_options: dict | None = None, dump: str | None = None, trust_checkpoint: bool = False,
                    launcher: str = 'none', precision: str = 'fp32', overwrite: bool = False) -> tuple[str, dict]:
    """Test ``checkpoint`` on the config's test split; write per-sample scores; return (dump path, metrics).

    Accuracy metrics are computed (and logged) when the split is labelled; unlabelled test splits (e.g.
    MiGA test sets) only get the score dump, for ``tools/test.py --ensemble`` and submission files.
    ``precision='bf16'``: CPU/GPU bf16 autocast + channels-last for the 3D CNN (see models/precision.py).
    Existing output files are refused unless ``overwrite``, before the checkpoint is even read.
    """
    from mmengine.runner import Runner

    cfg = config if isinstance(config, Config) else load_config(config, cfg_options, work_dir)
    if isinstance(config, Config) and work_dir:
        cfg.work_dir = work_dir
    dump, outputs = planned_test_outputs(cfg, checkpoint, dump)
    check_outputs(outputs, overwrite)
    check_checkpoint(checkpoint, cfg, trust=trust_checkpoint)
    cfg.load_from = checkpoint
    cfg.launcher = launcher
    ds = cfg.test_dataloader.dataset
    evaluators = _dump_evaluators(cfg, dump)
    ann_file = ds.get('ann_file')  # image-folder datasets have none
    if ann_file and osp.isfile(ann_file) and not annotations_have_labels(ann_file, ds.get('split')):
        evaluators = [e for e in evaluators if e.get('type') != 'AccMetric']
    cfg.test_evaluator = evaluators
    with trusted_checkpoint(checkpoint) if trust_checkpoint else contextlib.nullcontext():  # this file only
        runner = Runner.from_cfg(cfg)
        warn_config_pitfalls(runner.cfg, 'test', logger=runner.logger)  # into this run's log, before scoring
        channels_last = precision == 'bf16' or bool(cfg.get('channels_last', False))
        if precision != 'fp32' or channels_last:  # fp32 channels-last: the same scores (to 1e-5), faster on CPUs
            from ..models.precision import set_precision
            set_precision(runner.model, precision, channels_last=channels_last)
        metrics = runner.test()
    runner.logger.info(f'score dump: {dump}')
    return dump, metrics


def run_test(config: str | Config, checkpoint: str, work_dir: str | None = None,
             cfg_options: dict | None = None, **kwargs) -> str:
    """:func:`test_checkpoint`, returning only the score-dump path (what the ensemble tool needs)."""
    return test_checkpoint(config, checkpoint, work_dir, cfg_options, **kwargs)[0]
