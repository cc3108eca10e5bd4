"""Reading a config for the tools: a clear error for a missing or broken file, command-line overrides, the work
dir, and the dataset options the tools set from their flags."""
from __future__ import annotations

import os.path as osp

from mmengine.config import Config, DictAction  # noqa: F401  (DictAction re-exported for the tools)

from ..cli_utils import UserError


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


def dataset_configs(cfg: Config):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader and loader.get('dataset'):
            yield loader['dataset']


def set_dataset_options(cfg: Config, **options) -> None:
    """Set MGPoseDataset options (unsafe_pickle, skip_invalid) on every dataloader of ``cfg``."""
    for ds in dataset_configs(cfg):
        ds.update({k: v for k, v in options.items() if v is not None})
