"""Training and testing entry points shared by ``tools/`` and the tests (the tools only parse arguments)."""
from __future__ import annotations

import os
import os.path as osp
import re

from mmengine.config import Config, DictAction  # noqa: F401  (DictAction re-exported for the tools)

from .datasets.validation import is_unlabelled
from .fileio import safe_load_pickle


class UserError(Exception):
    """A problem with what the user passed (file, option); the tools print it without a traceback."""


def load_config(config: str, cfg_options: dict | None = None, work_dir: str | None = None) -> Config:
    if not osp.isfile(config):
        raise UserError(f'config {config} does not exist (configs live in configs/, e.g. configs/joint.py)')
    try:
        cfg = Config.fromfile(config)
    except Exception as e:  # syntax errors, missing _base_ files
        raise UserError(f'config {config} could not be read: {type(e).__name__}: {e}') from e
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def _datasets(cfg: Config):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader and loader.get('dataset'):
            yield loader['dataset']


def set_dataset_options(cfg: Config, **options) -> None:
    """Set MGPoseDataset options (unsafe_pickle, skip_invalid) on every dataloader of ``cfg``."""
    for ds in _datasets(cfg):
        ds.update({k: v for k, v in options.items() if v is not None})


def train(cfg: Config, resume: str | bool | None = None, amp: bool = False, auto_scale_lr: bool = False,
          launcher: str = 'none', seed: int | None = None):
    """Build an mmengine Runner from ``cfg`` and train. ``resume``: True/'auto' = latest in work_dir."""
    from mmengine.runner import Runner

    cfg.launcher = launcher
    if seed is not None:
        cfg.randomness = dict(seed=seed, deterministic=False)
    if amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if launcher != 'none':
        import torch
        if not torch.cuda.is_available():  # CPU (gloo) DDP takes no device_ids
            cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None,
                                         broadcast_buffers=False)
    if resume in (True, 'auto'):
        cfg.resume, cfg.load_from = True, None
    elif resume:
        if not osp.isfile(resume):
            raise UserError(f'--resume {resume}: no such checkpoint')
        cfg.resume, cfg.load_from = True, resume
    elif cfg.get('load_from') and not osp.isfile(cfg.load_from):
        raise UserError(f'load_from {cfg.load_from}: no such checkpoint')
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def annotations_have_labels(ann_file: str, split: str | None) -> bool:
    data = safe_load_pickle(ann_file)
    annos = data['annotations'] if isinstance(data, dict) else data
    if split is not None and isinstance(data, dict) and 'split' in data:
        wanted = set(data['split'].get(split, []))
        annos = [a for a in annos if a.get('frame_dir') in wanted]
    return bool(annos) and not any(is_unlabelled(a) for a in annos)


def check_checkpoint(checkpoint: str, cfg: Config) -> None:
    """Fail early and clearly on a missing/unreadable checkpoint or one for another class count."""
    import torch

    if not osp.isfile(checkpoint):
        raise UserError(f'checkpoint {checkpoint} does not exist')
    try:
        ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    except Exception as e:
        found = re.search(r'GLOBAL ([\w.]+)', str(e))
        why = f'it references {found.group(1)}, which is not plain data' if found else f'{type(e).__name__}'
        raise UserError(f'checkpoint {checkpoint} could not be loaded with weights_only=True: {why}. If it '
                        'comes from a source you trust, pass --trust-checkpoint.') from e
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
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


def test_checkpoint(config: str | Config, checkpoint: str, work_dir: str | None = None,
                    cfg_options: dict | None = None, dump: str | None = None, trust_checkpoint: bool = False,
                    launcher: str = 'none', precision: str = 'fp32') -> tuple[str, dict]:
    """Test ``checkpoint`` on the config's test split; write per-sample scores; return (dump path, metrics).

    Accuracy metrics are computed (and logged) when the split is labelled; unlabelled test splits (e.g.
    MiGA test sets) only get the score dump, for ``tools/test.py --ensemble`` and submission files.
    ``precision='bf16'``: CPU/GPU bf16 autocast + channels-last for the 3D CNN (see models/precision.py).
    """
    from mmengine.runner import Runner

    cfg = config if isinstance(config, Config) else load_config(config, cfg_options, work_dir)
    if isinstance(config, Config) and work_dir:
        cfg.work_dir = work_dir
    if not trust_checkpoint:
        check_checkpoint(checkpoint, cfg)
    cfg.load_from = checkpoint
    cfg.launcher = launcher
    ds = cfg.test_dataloader.dataset
    name = osp.splitext(osp.basename(checkpoint))[0]
    dump = dump or osp.join(cfg.work_dir, f'scores_{ds.get("split") or "test"}_{name}.npz')
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    ann_file = ds.get('ann_file')  # image-folder datasets have none
    if ann_file and osp.isfile(ann_file) and not annotations_have_labels(ann_file, ds.get('split')):
        evaluators = [e for e in evaluators if e.get('type') != 'AccMetric']
    # two-stream models: per-pathway dumps next to the fused one (X_rgb.npz, X_pose.npz)
    evaluators = [dict(e, out_file=dump) if e.get('type') == 'PathwayScoreMetric' and not e.get('out_file') else e
                  for e in evaluators]
    cfg.test_evaluator = [e for e in evaluators if e.get('type') != 'ScoreDumpMetric'] + [
        dict(type='ScoreDumpMetric', out_file=dump)]
    if trust_checkpoint:
        os.environ['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] = '1'
    runner = Runner.from_cfg(cfg)
    if precision != 'fp32':
        from .models.precision import set_precision
        set_precision(runner.model, precision)
    metrics = runner.test()
    runner.logger.info(f'score dump: {dump}')
    return dump, metrics


def run_test(config: str | Config, checkpoint: str, work_dir: str | None = None,
             cfg_options: dict | None = None, **kwargs) -> str:
    """:func:`test_checkpoint`, returning only the score-dump path (what the ensemble tool needs)."""
    return test_checkpoint(config, checkpoint, work_dir, cfg_options, **kwargs)[0]
