"""Training: an mmengine Runner from a config, with the checks our checkpoints need on resume / ``load_from``."""
from __future__ import annotations

import contextlib
import os.path as osp

from mmengine.config import Config
from mmengine.hooks import Hook

from ..cli_utils import UserError
from ..config_checks import warn_config_pitfalls
from ..fileio import trusted_checkpoint
from ..fileio.checkpoint import compare_state_dicts, require_fit, state_dict_of
from ..models.precision import plan_training


def train(cfg: Config, resume: str | bool | None = None, amp: bool = False, auto_scale_lr: bool = False,
          launcher: str = 'none', seed: int | None = None, trust_checkpoint: bool = False, validate: bool = True,
          plot_curves: bool = True, precision: str | None = None, channels_last: bool | None = None,
          allow_emulated_bf16: bool = False):
    """Build an mmengine Runner from ``cfg`` and train. ``resume``: True/'auto' = latest in work_dir.
    ``precision`` ('auto' | 'fp32' | 'bf16' | 'amp'; ``amp=True`` means 'amp') and ``channels_last`` default to
    the config's ``precision`` / ``channels_last`` keys (else fp32, contiguous; a config key
    ``allow_emulated_bf16=True`` acts as the argument); ``models.precision.plan_training`` says what each becomes
    on this machine.
    ``trust_checkpoint``: fully unpickle the checkpoint resumed or loaded (``load_from``), that file only.
    ``validate=False``: no validation during training (mmaction2's ``--no-validate``). ``plot_curves``: at the
    end, draw the logged losses and validation accuracy into ``WORK_DIR/<timestamp>/curves.png``."""
    from mmengine.runner import Runner, find_latest_checkpoint

    cfg.launcher = launcher
    if not validate:  # what mmaction2's tools/train.py --no-validate does
        cfg.val_cfg, cfg.val_dataloader, cfg.val_evaluator = None, None, None
    if seed is not None:
        cfg.randomness = dict(seed=seed, deterministic=False)
    plan = plan_training('amp' if amp else precision or cfg.get('precision', 'fp32'),
                         cfg.get('channels_last', False) if channels_last is None else channels_last,
                         allow_emulated_bf16 or bool(cfg.get('allow_emulated_bf16', False)))
    plan.configure(cfg)
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
    runner.register_hook(CheckpointFitHook(), priority='VERY_HIGH')
    plan.apply(runner.model)
    if plan.notice:
        runner.logger.warning(plan.notice)
    runner.logger.info(f'training in {plan.describe()}')
    warn_config_pitfalls(runner.cfg, 'train', logger=runner.logger)  # into this run's log, before any epoch
    trusted = cfg.get('load_from') or (find_latest_checkpoint(cfg.work_dir) if cfg.get('resume') else None)
    with trusted_checkpoint(trusted) if trust_checkpoint and trusted else contextlib.nullcontext():
        runner.train()
    if plot_curves:
        _plot_training_curves(runner)
    return runner


class CheckpointFitHook(Hook):
    """Before a loaded checkpoint goes into the model: a resume must fit the model exactly (same config);
    ``load_from`` (fine-tuning) keeps mmengine's partial loading and logs what was loaded, skipped, missing."""

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        from mmengine.model import is_model_wrapper

        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        source = runner._load_from or 'the latest checkpoint in the work dir'
        if runner._resume:
            report = require_fit(model.state_dict(), state_dict_of(checkpoint), source, runner.cfg.filename)
        else:
            report = compare_state_dicts(model.state_dict(), state_dict_of(checkpoint))
        runner.logger.info(f'{"resume" if runner._resume else "load_from"} {source}: {report.counts()}')


def _plot_training_curves(runner) -> None:
    """The run's curves PNG (main process only). A finished training never fails because of its plot."""
    from mmengine.dist import is_main_process

    from ..evaluation.curves import plot_training_curves

    if not is_main_process():
        return
    try:
        runner.logger.info(f'training curves: {plot_training_curves(runner.log_dir)}')
    except (OSError, ValueError, ImportError) as e:
        runner.logger.warning(f'no training-curves plot: {e}')

