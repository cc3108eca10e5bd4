"""Sliding-window inference on a long sequence: windows -> each model's test pipeline -> batched recognizer ->
class probabilities per window -> fused across models -> per-frame probabilities.

A window centred on every ``stride``-th frame (and on the last frame) goes through each config's own
``test_pipeline`` (the heatmaps the model was trained on), in batches, through mmaction2's ``test_step``. The
models' probabilities are fused with ``mg_posec3d.evaluation.ensemble.fuse`` (the project's one fusion rule;
default weights 2:3 for joint + limb), then interpolated linearly between window centres to every frame.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .windows import BACKGROUND_NAME, window_rows


def window_centres(num_frames: int, stride: int) -> np.ndarray:
    """Every ``stride``-th frame from 0, plus the last frame."""
    if stride < 1:
        raise ValueError(f'stride must be >= 1, got {stride}')
    centres = np.arange(0, num_frames, stride)
    if centres[-1] != num_frames - 1:
        centres = np.append(centres, num_frames - 1)
    return centres


def rows_input(seq: dict, rows: np.ndarray, name: str) -> dict:
    """The pipeline input (test mode, no label) of the given rows of ``seq``."""
    shape = tuple(seq.get('img_shape', (0, 0)))
    return dict(frame_dir=name, total_frames=len(rows), start_index=0, modality='Pose', img_shape=shape,
                original_shape=tuple(seq.get('original_shape', shape)),
                keypoint=np.asarray(seq['keypoint'][:, rows], np.float32),
                keypoint_score=np.asarray(seq['keypoint_score'][:, rows], np.float32))


def window_input(seq: dict, centre: int, window: int, part: tuple[int, int] | None = None) -> dict:
    """The pipeline input of the window centred on ``centre``; with ``part`` = (first row, rows) the window stays
    inside that part of the sequence (its first/last frame repeated), as at the ends of a recording."""
    if part is None:
        rows = window_rows(centre, window, seq['keypoint'].shape[1])
    else:
        rows = part[0] + window_rows(centre - part[0], window, part[1])
    return rows_input(seq, rows, f"{seq['frame_dir']}@{int(centre):06d}")


def part_of_rows(seq: dict, centres: np.ndarray) -> list[tuple[int, int]] | None:
    """For a joined sequence (``joined_from``: (name, first row, rows) per part): the part of each centre."""
    parts = seq.get('joined_from')
    if not parts:
        return None
    starts = np.array([p[1] for p in parts])
    idx = np.searchsorted(starts, centres, side='right') - 1
    return [(int(parts[i][1]), int(parts[i][2])) for i in idx]


def segment_input(seq: dict, start: int, end: int, margin: int) -> dict:
    """The pipeline input of a found segment with ``margin`` frames of context on each side (clipped)."""
    num_frames = seq['keypoint'].shape[1]
    rows = np.arange(max(0, start - margin), min(num_frames - 1, end + margin) + 1)
    return rows_input(seq, rows, f"{seq['frame_dir']}@{int(start):06d}-{int(end):06d}")


def classify_segments(seq: dict, segments: Sequence[tuple], classifiers: Sequence[WindowScorer],
                      gesture_classes: Sequence[int], weights: Sequence[float] | None = None, margin: int = 8
                      ) -> list[tuple[int, int, int]]:
    """Two-stage spotting: re-label each found ``(label, start, end)`` with clip classifiers (fused with
    ``ensemble.fuse``) whose class ``i`` is spotting class ``gesture_classes[i]``."""
    from ..evaluation.fusion import fuse

    if not segments:
        return []
    inputs = [segment_input(seq, s, e, margin) for _, s, e in segments]
    probs = fuse([c.score_inputs(inputs) for c in classifiers], weights)
    if probs.shape[1] != len(gesture_classes):
        raise ValueError(f'the classifiers have {probs.shape[1]} classes, the spotting models '
                         f'{len(gesture_classes)} gesture classes')
    return [(int(gesture_classes[int(p.argmax())]), int(s), int(e)) for p, (_, s, e) in zip(probs, segments)]


def background_index(class_names: Sequence[str] | None, given: int | None = None) -> int:
    """The background class: ``given``, else the class named ``background``."""
    if given is not None:
        return given
    names = [str(n).lower() for n in (class_names or [])]
    if BACKGROUND_NAME in names:
        return names.index(BACKGROUND_NAME)
    raise ValueError('cannot tell which class is the background: the checkpoint has no class named "background" '
                     '(pass --background-class INDEX)')


class WindowScorer:
    """One recognizer with its test pipeline, scoring windows (or segment clips) in batches."""

    def __init__(self, loaded, batch_size: int = 16):
        from mmaction.registry import TRANSFORMS  # noqa: F401  (registers transforms)
        from mmengine.dataset import Compose
        from mmengine.registry import init_default_scope

        self.loaded = loaded
        self.model = loaded.model
        cfg = self.model.cfg
        init_default_scope(cfg.get('default_scope', 'mmaction'))
        if not cfg.get('test_pipeline'):
            raise ValueError(f'{loaded.config}: the config has no test_pipeline')
        self.pipeline = Compose(cfg.test_pipeline)
        self.window = cfg.get('window')
        self.stride = cfg.get('stride')  # the config's default for tools/spot.py
        self.batch_size = batch_size
        self.seconds = 0.0  # wall time spent in pipeline + network

    def score(self, seq: dict, centres: np.ndarray, window: int, parts: list | None = None) -> np.ndarray:
        """Class probabilities [len(centres), C] of the windows of ``seq`` centred on ``centres`` (each inside its
        part of a joined sequence when ``parts`` are given)."""
        parts = parts or [None] * len(centres)
        return self.score_inputs([window_input(seq, c, window, p) for c, p in zip(centres, parts)])

    def score_inputs(self, inputs: Sequence[dict]) -> np.ndarray:
        """Class probabilities [len(inputs), C] of pipeline inputs (windows or clips), in batches."""
        import torch
        from mmengine.dataset import pseudo_collate

        t0 = time.perf_counter()
        out = []
        for i in range(0, len(inputs), self.batch_size):
            batch = [self.pipeline(dict(x)) for x in inputs[i:i + self.batch_size]]
            with torch.no_grad():
                samples = self.model.test_step(pseudo_collate(batch))
            out.append(torch.stack([s.pred_score.float().cpu() for s in samples]).numpy())
        self.seconds += time.perf_counter() - t0
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, 0))


def interpolate_frames(centres: np.ndarray, scores: np.ndarray, num_frames: int) -> np.ndarray:
    """Per-frame scores [T, C]: linear between window centres (frame ``centres[i]`` gets ``scores[i]``)."""
    frames = np.arange(num_frames)
    return np.stack([np.interp(frames, centres, scores[:, c]) for c in range(scores.shape[1])], axis=1)


@dataclass
class SpotScores:
    centres: np.ndarray  # [N] window centres
    per_model: list[np.ndarray]  # [N, C] each
    fused: np.ndarray  # [N, C]
    frame_probs: np.ndarray  # [T, C]
    seconds: float  # wall time: windowing + pipelines + networks + fusion
    cpu_seconds: float  # CPU time of this process for the same work (all its threads)


def score_sequence(seq: dict, scorers: Sequence[WindowScorer], window: int, stride: int,
                   weights: Sequence[float] | None = None, within_parts: bool = False) -> SpotScores:
    """Run every model on the sliding windows of ``seq`` and fuse their probabilities. ``within_parts``: in a
    joined sequence, no window crosses a junction of two parts (each junction is treated as a recording's end)."""
    from ..evaluation.fusion import fuse

    t0, c0 = time.perf_counter(), time.process_time()
    num_frames = int(seq['keypoint'].shape[1])
    centres = window_centres(num_frames, stride)
    parts = part_of_rows(seq, centres) if within_parts else None
    per_model = [s.score(seq, centres, window, parts) for s in scorers]
    sizes = {p.shape[1] for p in per_model}
    if len(sizes) != 1:
        raise ValueError(f'the models have different numbers of classes: {[p.shape[1] for p in per_model]}')
    fused = fuse(per_model, weights)
    frame_probs = interpolate_frames(centres, fused, num_frames)
    return SpotScores(centres, per_model, fused, frame_probs, time.perf_counter() - t0, time.process_time() - c0)
