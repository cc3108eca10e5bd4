"""Config pitfalls that cost accuracy without any error, logged loudly when training or testing starts.

Each check reads the config (or, for clip lengths, the loaded annotations) and returns one message per problem,
naming the config field and the ``--cfg-options`` that turns it off. They are warnings, not errors: each of
these settings can be what a user wants (:func:`warn_config_pitfalls` logs them, :func:`find_pitfalls` returns
them for tests and tools).

- flipped test views on a model trained without flips (``double=True`` on a heatmap renderer or a ``Flip`` in
  the test / val pipeline, no flip in training): on a real BODY_25 dataset this silently cost about 10 points
  of top-1 (issue 14);
- flipping without the layout's flip lists (``Flip`` without ``left_kp``/``right_kp`` mirrors x but keeps the
  left joints in the left channels; ``double=True`` without lists uses mmaction2's COCO-17 lists), or with
  lists that differ from the dataset layout's;
- a label-embedding matrix whose width differs from the head's ``embedding_dim``;
- ``clip_len`` longer than the median clip of a split (frames are then repeated; checked on the loaded
  annotations by ``MGPoseDataset`` through :func:`clip_length_pitfalls`).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import numpy as np

PREFIX = 'CONFIG PITFALL: '
# transforms that render keypoints into heatmaps (and take double / left_kp / right_kp / left_limb / right_limb)
RENDERERS = ('GeneratePoseTarget', 'FastGeneratePoseTarget', 'PackPoseForHeatmap')
# other transforms through which the keypoints reach the model (a Flip without lists then mirrors them wrongly)
KEYPOINT_CONSUMERS = RENDERERS + ('GenSkeFeat', 'LayoutGenSkeFeat', 'FormatGCNInput', 'PreNormalize2D',
                                  'KeypointVector')
SAMPLERS = ('UniformSampleFrames', 'MMUniformSampleFrames', 'SampleFrames')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
DEFAULT_LAYOUT = 'miga22'  # MGPoseDataset's default when a config names none


def _pipeline_of(loader) -> tuple[str | None, list | None]:
    """(config key of the pipeline under the loader, the pipeline list), following wrapper datasets."""
    if not loader or not loader.get('dataset'):
        return None, None
    ds, key = loader['dataset'], 'dataset'
    while ds.get('pipeline') is None and ds.get('dataset') is not None:  # RepeatDataset & co.
        ds, key = ds['dataset'], key + '.dataset'
    pipe = ds.get('pipeline')
    return (key + '.pipeline', list(pipe)) if pipe else (None, None)


def _dataset_of(loader) -> dict:
    ds = (loader or {}).get('dataset') or {}
    while ds.get('dataset') is not None and ds.get('ann_file') is None:
        ds = ds['dataset']
    return ds


def _type(step) -> str:
    t = step.get('type', '') if isinstance(step, dict) else type(step).__name__
    return t if isinstance(t, str) else getattr(t, '__name__', str(t))


def _flips(step) -> bool:
    """Whether a pipeline step produces mirrored input: a horizontal Flip that can fire, or a renderer with
    ``double`` (which appends the mirrored copy of every clip)."""
    t = _type(step)
    if t == 'Flip':
        return step.get('flip_ratio', 0.5) > 0 and step.get('direction', 'horizontal') == 'horizontal'
    return t in RENDERERS and bool(step.get('double', False))


def _steps(cfg, loader_key: str) -> Iterator[tuple[str, int, dict]]:
    """(full config key of the pipeline, index, step) of each dict step of a loader's pipeline."""
    key, pipe = _pipeline_of(cfg.get(loader_key))
    for i, step in enumerate(pipe or []):
        if isinstance(step, dict):
            yield f'{loader_key}.{key}', i, step


def _option_list(values: Sequence[int]) -> str:
    return '[' + ','.join(str(int(v)) for v in values) + ']'  # no spaces: one shell word for DictAction


def flipped_views_pitfalls(cfg, stage: str) -> list[str]:
    """Test (at test start) or val (at training start) pipelines that average mirrored views of a model whose
    training pipeline never flips."""
    if any(_flips(step) for _, _, step in _steps(cfg, 'train_dataloader')):
        return []
    has_train = bool(_pipeline_of(cfg.get('train_dataloader'))[1])
    loader = 'test_dataloader' if stage == 'test' else 'val_dataloader'
    out = []
    for path, i, step in _steps(cfg, loader):
        if not _flips(step):
            continue
        t = _type(step)
        field, off = (('double=True', 'double=False') if t in RENDERERS
                      else (f'flip_ratio={step.get("flip_ratio", 0.5)}', 'flip_ratio=0'))
        out.append(
            f'{path}.{i} ({t} {field}) averages horizontally flipped views, but the training pipeline '
            f'{"never flips" if has_train else "is not in this config (was the model trained with flips?)"}: '
            'the model is scored on mirrored poses it never saw (on a real dataset this silently cost about 10 '
            f'points of top-1). Turn it off with --cfg-options {path}.{i}.{off}, or train with '
            "dict(type='Flip', flip_ratio=0.5, left_kp=..., right_kp=...).")
    return out


def _pairs(left: Sequence[int], right: Sequence[int]) -> set[frozenset]:
    return {frozenset((int(a), int(b))) for a, b in zip(left, right)}


def _layout_of(ds: dict):
    from .layouts import get_layout

    try:
        return get_layout(ds.get('layout') or DEFAULT_LAYOUT)
    except ValueError:
        return None  # an unknown layout: the dataset fails with its own message


def _limb_lists_matter(step: dict) -> bool:
    """The flipped copy of a renderer swaps channels by the limb lists only for limb-only heatmaps
    (``heatmaps.render.flip_indices``, as upstream); with ``with_kp`` the joint lists are used."""
    return _type(step) in RENDERERS and bool(step.get('with_limb', False)) and not step.get('with_kp', True)


def flip_list_pitfalls(cfg) -> list[str]:
    """Flips of keypoints without the layout's left/right lists, or with lists that differ from the layout's."""
    out = []
    for loader in LOADERS:
        ds = _dataset_of(cfg.get(loader))
        steps = list(_steps(cfg, loader))
        if not any(_type(s) in KEYPOINT_CONSUMERS for _, _, s in steps):
            continue  # RGB-only pipelines: a Flip without joint lists is right there
        lay = _layout_of(ds)
        for path, i, step in steps:
            if not _flips(step):
                continue
            t = _type(step)
            where = f'{path}.{i} ({t})'
            fix_kp = (f'--cfg-options {path}.{i}.left_kp={_option_list(lay.left)} '
                      f'{path}.{i}.right_kp={_option_list(lay.right)}' if lay else 'the layout\'s lists')
            if t == 'Flip' or step.get('with_kp', True):
                if step.get('left_kp') is None or step.get('right_kp') is None:
                    default = ('mirrors x but keeps every joint in its own channel, so left joints end up on the '
                               'right' if t == 'Flip' else "swaps mmaction2's default COCO-17 channels")
                    out.append(f'{where} flips without left_kp/right_kp: it {default}. Give the lists of layout '
                               f'{lay.name if lay else "?"}: {fix_kp}.')
                elif lay is not None and _pairs(step['left_kp'], step['right_kp']) != _pairs(lay.left, lay.right):
                    out.append(f'{where}: left_kp/right_kp differ from the flip pairs of layout {lay.name}: '
                               f'{fix_kp}.')
            if not _limb_lists_matter(step):
                continue
            limb_left, limb_right = lay.limb_flip() if lay else ((), ())
            fix_limb = (f'--cfg-options {path}.{i}.left_limb={_option_list(limb_left)} '
                        f'{path}.{i}.right_limb={_option_list(limb_right)}' if lay else "the layout's limb_flip()")
            if step.get('left_limb') is None or step.get('right_limb') is None:
                out.append(f"{where} flips limb heatmaps without left_limb/right_limb: mmaction2's defaults are "
                           f"COCO's and swap unrelated limbs. Give Layout.limb_flip() of the layout: {fix_limb}.")
            elif (lay is not None and [list(x) for x in step.get('skeletons', [])] == [list(x) for x in lay.limbs]
                  and _pairs(step['left_limb'], step['right_limb']) != _pairs(limb_left, limb_right)):
                out.append(f"{where}: left_limb/right_limb differ from layout {lay.name}'s limb_flip(): "
                           f'{fix_limb}.')
    return out


def embedding_width_pitfalls(cfg) -> list[str]:
    """A label-embedding file whose width is not the head's ``embedding_dim`` (the loss then fails, or with
    a broadcastable shape learns the wrong target)."""
    from .embeddings import resolve_embeddings

    head = (cfg.get('model') or {}).get('cls_head') or {}
    dim = head.get('embedding_dim')
    if dim is None:
        return []
    out, seen = [], set()
    for loader in LOADERS:
        path = _dataset_of(cfg.get(loader)).get('label_embeddings')
        if not path or path in seen:
            continue
        seen.add(path)
        try:
            shape = np.load(resolve_embeddings(path), mmap_mode='r', allow_pickle=False).shape
        except (OSError, ValueError):
            continue  # missing / unreadable: the dataset reports it with its own message
        if len(shape) == 2 and shape[1] != dim:
            out.append(f'{loader}.dataset.label_embeddings {path} holds {shape[1]}-d vectors but '
                       f'model.cls_head.embedding_dim={dim}: set --cfg-options model.cls_head.embedding_dim='
                       f'{shape[1]} (or use {dim}-d vectors).')
    return out


def sampler_clip_lens(pipeline) -> list[tuple[str, int]]:
    """(config key below the pipeline, clip_len) of a built or config pipeline's frame sampler:
    ``('0.clip_len', 48)``, or one entry per modality for RGB + pose samplers (``'0.clip_len.Pose'``)."""
    for i, step in enumerate(pipeline):
        if _type(step) not in SAMPLERS:
            continue
        n = step.get('clip_len') if isinstance(step, dict) else getattr(step, 'clip_len', None)
        if isinstance(n, dict):
            return [(f'{i}.clip_len.{mod}', int(v)) for mod, v in n.items() if v]
        return [(f'{i}.clip_len', int(n))] if n else []
    return []


def clip_length_pitfalls(total_frames: Sequence[int], pipeline, where: str) -> list[str]:
    """A warning per sampler ``clip_len`` longer than the median clip of ``total_frames``: most clips then
    repeat frames to fill the clip, and the model pays for frames that add nothing."""
    if not len(total_frames):
        return []
    frames = np.asarray(total_frames)
    median = float(np.median(frames))
    out = []
    for key, clip_len in sampler_clip_lens(pipeline):
        if clip_len <= median:
            continue
        share = float((frames < clip_len).mean())
        out.append(f'{where}: pipeline.{key}={clip_len} is longer than {share:.0%} of the clips (median '
                   f'{median:.0f} frames), so frames are repeated to fill each clip. Set it at or below the median: '
                   f'--cfg-options <train|val|test>_dataloader.dataset.pipeline.{key}={int(median)} (the loader '
                   'that reads this split).')
    return out


def find_pitfalls(cfg, stage: str = 'test') -> list[str]:
    """Every config pitfall of ``cfg`` at the start of ``stage``: 'train' (flipped val views) or 'test'
    (flipped test views); flip lists and embedding widths in both."""
    if stage not in ('train', 'test'):
        raise ValueError(f"stage must be 'train' or 'test', got {stage!r}")
    return flipped_views_pitfalls(cfg, stage) + flip_list_pitfalls(cfg) + embedding_width_pitfalls(cfg)


def log_pitfalls(messages: Sequence[str], logger=None) -> None:
    """Each message as one ``CONFIG PITFALL: ...`` WARNING line (to the current mmengine logger by default)."""
    from mmengine.logging import print_log

    for msg in messages:
        print_log(PREFIX + msg, logger=logger or 'current', level=logging.WARNING)


def warn_config_pitfalls(cfg, stage: str = 'test', logger=None) -> list[str]:
    """Log every pitfall of ``cfg`` for ``stage`` as a WARNING; return the messages."""
    found = find_pitfalls(cfg, stage)
    log_pitfalls(found, logger)
    return found
