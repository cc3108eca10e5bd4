"""Video -> pose -> skeleton recognizers -> fused micro-gesture label (the engine of ``tools/demo.py``).

Each model is built with mmaction2's ``init_recognizer`` and run with ``inference_recognizer`` on the
config's own ``test_pipeline`` (heatmaps are made there from the miga22 annotation). Checkpoints load
through ``mg_posec3d.fileio.load_checkpoint`` (weights-only) and must fit the model exactly. Scores of
several models are fused as the (weighted) mean of their class probabilities.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass

import numpy as np

from ..annotations import PoseRecord, make_annotations

# re-exported for tools/demo.py and tools/spot.py until their callers import mg_posec3d.annotations.read_class_names
from ..annotations import read_class_names as load_label_names  # noqa: F401
from .video import InputItem


def to_probabilities(scores: np.ndarray) -> np.ndarray:
    """Scores as probabilities: kept if they already are (>= 0, sum 1), else softmax."""
    s = np.asarray(scores, np.float64)
    if (s >= 0).all() and abs(s.sum() - 1) < 1e-3:
        return s
    e = np.exp(s - s.max())
    return e / e.sum()


def fuse_scores(scores: list[np.ndarray], weights: list[float] | None = None) -> np.ndarray:
    """Weighted mean of the models' class probabilities (all models must have the same classes)."""
    if not scores:
        raise ValueError('no scores to fuse')
    n = {len(s) for s in scores}
    if len(n) != 1:
        raise ValueError(f'models disagree on the number of classes: {sorted(n)}')
    w = np.ones(len(scores)) if weights is None else np.asarray(weights, np.float64)
    if len(w) != len(scores) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f'need {len(scores)} non-negative weights with a positive sum, got {list(w)}')
    probs = np.stack([to_probabilities(s) for s in scores])
    return (w[:, None] * probs).sum(0) / w.sum()


def top_k(scores: np.ndarray, names: list[str], k: int = 5) -> list[tuple[int, str, float]]:
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

    import mg_posec3d  # noqa: F401  (upstream fixes, module registration)
    from mg_posec3d.fileio.checkpoint import load_checkpoint, require_fit, state_dict_of

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
    per_model: list[np.ndarray]
    fused: np.ndarray
    class_names: list[str]

    def top(self, k: int = 5) -> list[tuple[int, str, float]]:
        return top_k(self.fused, self.class_names, k)


def recognize(record: PoseRecord, models: list[LoadedModel], label_names: list[str] | None = None,
              weights: list[float] | None = None) -> Recognition:
    """Run every model on the record's skeleton and fuse their probabilities."""
    if record.frames_with_person == 0:
        raise ValueError(f'{record.path or record.name}: no person found in any sampled frame')
    ann = skeleton_annotation(record)
    per_model = [predict(m, ann) for m in models]
    fused = fuse_scores(per_model, weights)
    names = label_names or next((m.class_names for m in models if m.class_names), None)
    if names is None:
        names = [f'class {i}' for i in range(len(fused))]
    if len(names) != len(fused):
        raise ValueError(f'{len(names)} class names for {len(fused)} classes')
    return Recognition(record, per_model, fused, list(names))


def render_result(item: InputItem, rec: Recognition, path: str, k: int = 5) -> int:
    """Overlay video: the miga22 skeleton plus the fused top-``k`` labels on every sampled frame."""
    from .runner import render_overlay

    lines = [f'{i + 1}. {name}  {p:.2f}' for i, (_, name, p) in enumerate(rec.top(k))]
    return render_overlay(item, rec.record, path, lines=lines)
