"""Recognizer inference: a pose record -> skeleton recognizers -> fused micro-gesture label (the engine of
``demo/demo.py``).

Each model is built with mmaction2's ``init_recognizer`` and run with ``inference_recognizer`` on the
config's own ``test_pipeline`` (heatmaps are made there from the miga22 annotation). Checkpoints load
through ``mg_posec3d.fileio.load_checkpoint`` (weights-only) and must fit the model exactly. The scores of
several models are fused by the project's one rule, :func:`mg_posec3d.evaluation.fusion.fuse` (2:3 for two
models, joint then limb; equal weights otherwise), the same function ``tools/test.py --ensemble`` uses.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass

import numpy as np

from ..annotations import PoseRecord, make_annotations
from ..annotations import read_class_names as load_label_names  # noqa: F401  (one class-name reader; demo/demo.py)
from ..evaluation.fusion import PROB_TOLERANCE, fuse, normalise_weights
from ..pose.video import InputItem


def to_probabilities(scores: np.ndarray) -> np.ndarray:
    """A model's scores as probabilities, what fusion takes: kept if they already are (>= 0, sum 1; configs with
    ``average_clips='prob'``), else softmax (``average_clips='score'`` gives averaged logits)."""
    s = np.asarray(scores, np.float64)
    if (s >= 0).all() and abs(s.sum() - 1) <= PROB_TOLERANCE:
        return s
    e = np.exp(s - s.max())
    return e / e.sum()


def top_k(scores: np.ndarray, names: list[str], k: int = 5) -> list[tuple[int, str, float]]:
    """The ``k`` best classes as (class index, name, score), best first; equal scores in class order."""
    order = np.argsort(-scores, kind='stable')[:k]
    return [(int(i), names[i], float(scores[i])) for i in order]


def _names_from_config(cfg) -> list[str] | None:
    for key in ('class_names', 'label_names', 'classes'):
        if cfg.get(key):
            return list(cfg.get(key))
    for loader in ('test_dataloader', 'val_dataloader'):
        ds = (cfg.get(loader) or {}).get('dataset') or {}
        meta = ds.get('metainfo') or {}
        if meta.get('classes'):
            return list(meta['classes'])
    return None


@dataclass
class LoadedModel:
    config: str
    checkpoint: str
    model: object
    class_names: list[str] | None


def load_model(config: str, checkpoint: str, device: str = 'cpu', trust: bool = False) -> LoadedModel:
    """Build a recognizer and load its checkpoint (weights-only; every parameter and buffer of the model must
    be in it with the right shape); class names come from the checkpoint's ``meta.dataset_meta.classes``
    (mmengine stores the training set's metainfo there) or the config (``class_names`` / ``label_names`` /
    a dataloader's ``metainfo.classes``). ``trust``: full unpickling (runs code in the file: trusted files only)."""
    from mmaction.apis import init_recognizer
    from mmengine.config import Config

    from ..fileio.checkpoint import load_checkpoint, require_fit, state_dict_of

    if '://' in checkpoint:
        raise ValueError(f'{checkpoint}: give a local checkpoint file; the demo never downloads weights')
    if not os.path.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: no such checkpoint')
    cfg = Config.fromfile(config)
    model = init_recognizer(cfg, None, device=device)
    ckpt = load_checkpoint(checkpoint, trust=trust)
    state = state_dict_of(ckpt)
    require_fit(model.state_dict(), state, checkpoint, config)
    model.load_state_dict(state, strict=False)  # every model key checked above; extra keys are ignored
    model.to(device)
    model.eval()
    meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
    names = (meta.get('dataset_meta') or {}).get('classes') if isinstance(meta, dict) else None
    names = list(names) if names else _names_from_config(cfg)
    return LoadedModel(config, checkpoint, model, names)


def skeleton_annotation(record: PoseRecord) -> dict:
    """The whole record as one test-time annotation for a pose pipeline (label unknown)."""
    ann = make_annotations(record)[0]
    ann.update(start_index=0, modality='Pose')
    return ann


def predict(model: LoadedModel, ann: dict) -> np.ndarray:
    """Class scores of one annotation, through the config's test pipeline."""
    import torch
    from mmaction.apis import inference_recognizer

    with torch.no_grad():
        sample = inference_recognizer(model.model, copy.deepcopy(ann))
    return sample.pred_score.detach().cpu().numpy().astype(np.float64)


@dataclass
class Recognition:
    record: PoseRecord
    per_model: list[np.ndarray]  # each model's class probabilities, in the order the models were given
    fused: np.ndarray  # fuse(per_model, weights)
    class_names: list[str]

    def top(self, k: int = 5) -> list[tuple[int, str, float]]:
        return top_k(self.fused, self.class_names, k)


def recognize(record: PoseRecord, models: list[LoadedModel], label_names: list[str] | None = None,
              weights: list[float] | None = None) -> Recognition:
    """Run every model on the record's skeleton and fuse their probabilities (``weights`` None: the default
    rule of :func:`mg_posec3d.evaluation.fusion.fuse`, 2:3 for two models in the order given, else equal)."""
    if record.frames_with_person == 0:
        raise ValueError(f'{record.path or record.name}: no person found in any sampled frame')
    normalise_weights(weights, len(models))  # bad weights fail before any model runs
    ann = skeleton_annotation(record)
    per_model = [to_probabilities(predict(m, ann)) for m in models]
    if len({len(s) for s in per_model}) > 1:
        raise ValueError('the models disagree on the number of classes: '
                         + ', '.join(f'{m.config}: {len(s)}' for m, s in zip(models, per_model)))
    fused = fuse(per_model, weights)
    names = label_names or next((m.class_names for m in models if m.class_names), None)
    if names is None:
        names = [f'class {i}' for i in range(len(fused))]
    if len(names) != len(fused):
        raise ValueError(f'{len(names)} class names for {len(fused)} classes')
    return Recognition(record, per_model, fused, list(names))


def render_result(item: InputItem, rec: Recognition, path: str, k: int = 5) -> int:
    """Overlay video: the miga22 skeleton plus the fused top-``k`` labels on every sampled frame."""
    from ..pose.runner import render_overlay

    lines = [f'{i + 1}. {name}  {p:.2f}' for i, (_, name, p) in enumerate(rec.top(k))]
    return render_overlay(item, rec.record, path, lines=lines)
