"""The engine of ``tools/spot.py``: inputs -> sequences -> fused per-frame probabilities -> segments -> csv,
timeline PNG, overlay video, metric, timing."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from ..fileio import atomic_open
from .decode import DecodeParams, decode_segments, tune_decoder
from .sequences import SequenceSet, read_segment_csv, rows_to_frames, write_segment_csv

SEQUENCE_EXTS = ('.pkl', '.pkl.gz', '.gz', '.pickle')


def is_sequence_file(path: str) -> bool:
    return os.path.isfile(path) and path.lower().endswith(SEQUENCE_EXTS)


def outputs_of(out_dir: str, name: str, plot: bool, overlay: bool) -> dict[str, str]:
    paths = dict(csv=os.path.join(out_dir, f'{name}_prediction.csv'))
    if plot:
        paths['png'] = os.path.join(out_dir, f'{name}_timeline.png')
    if overlay:
        paths['mp4'] = os.path.join(out_dir, f'{name}_overlay.mp4')
    return paths


def video_sequence(path: str, stride: int = 1, max_frames: int | None = None, gt_csv: str | None = None,
                   gt_format: str = 'ours', show_progress: bool = True) -> tuple[SequenceSet, object, object]:
    """A video or frame folder -> one sequence (MediaPipe pose, miga22; rows = sampled frames, ``frame_inds`` =
    their video frame numbers), with ground truth from ``gt_csv`` (video frames) when given."""
    from ..annotations import make_annotations
    from ..pose.runner import BackendSpec, extract_video
    from ..pose.video import discover_inputs
    from .sequences import frames_to_rows

    items = discover_inputs(path, 'auto')
    if len(items) != 1 or items[0].kind not in ('video', 'frames'):
        raise ValueError(f'{path} is not one video, frame folder or sequence file (.pkl / .pkl.gz)')
    item = items[0]
    backend = BackendSpec('mediapipe').build()
    try:
        record = extract_video(item, backend, stride, max_frames, show_progress)
    finally:
        backend.close()
    if record.frames_with_person == 0:
        raise ValueError(f'{path}: no person found in any sampled frame')
    ann = make_annotations(record)[0]
    skipped = []
    if gt_csv:
        segs, dropped = frames_to_rows(read_segment_csv(gt_csv, gt_format), ann['frame_inds'])
        ann['segments'] = segs
        skipped += [(f'{gt_csv}: segment {d}', 'no sampled frame inside') for d in dropped]
    return SequenceSet([ann], None, path, skipped), item, record


@dataclass
class SpotResult:
    name: str
    frames: int
    segments: list  # (label, start, end) in rows
    seconds: float
    duration_s: float | None
    frame_probs: np.ndarray | None = None
    outputs: dict = field(default_factory=dict)


def sequence_fps(seq: dict, default: float | None) -> float | None:
    fps = seq.get('fps')
    return float(fps) if fps else default


def spot_all(seqset: SequenceSet, scorers, window: int, stride: int, weights, background: int,
             log=print, within_parts: bool = False) -> list[tuple[dict, object]]:
    """Fused per-frame probabilities of every sequence (the expensive part)."""
    from .inference import score_sequence

    out = []
    for seq in seqset.sequences:
        scores = score_sequence(seq, scorers, window, stride, weights, within_parts)
        out.append((seq, scores))
        log(f"{seq['frame_dir']}: {seq['keypoint'].shape[1]} frames, {len(scores.centres)} windows x "
            f'{len(scorers)} model(s), {scores.seconds:.1f} s ({scores.cpu_seconds:.1f} s CPU)')
    return out


def save_frame_scores(path: str, scores, class_names, background: int) -> None:
    """The scores of one sequence (``--save-scores``): window centres, per-model and fused window probabilities,
    per-frame probabilities; loaded with ``allow_pickle=False``."""
    np.savez_compressed(path, centres=scores.centres, fused=scores.fused, frame_probs=scores.frame_probs,
                        per_model=np.stack(scores.per_model), background=np.int64(background),
                        class_names=np.array([str(n) for n in class_names or []]),
                        seconds=np.float64(scores.seconds), cpu_seconds=np.float64(scores.cpu_seconds))


def load_frame_scores(path: str):
    """What :func:`save_frame_scores` wrote: (SpotScores, class names, background)."""
    from .inference import SpotScores

    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no saved scores (run tools/spot.py with --save-scores first)')
    try:
        with np.load(path, allow_pickle=False) as z:
            scores = SpotScores(z['centres'], list(z['per_model']), z['fused'], z['frame_probs'],
                                float(z['seconds']), float(z['cpu_seconds']))
            return scores, [str(n) for n in z['class_names']] or None, int(z['background'])
    except (KeyError, ValueError, OSError) as e:
        raise ValueError(f'{path}: not a scores file of tools/spot.py --save-scores ({e})') from None


def refuse(scores, weights, num_frames: int):
    """Saved scores fused again from their per-model window probabilities with other ``weights``."""
    import dataclasses

    from ..evaluation.fusion import fuse
    from .inference import interpolate_frames

    if len(weights) != len(scores.per_model):
        raise ValueError(f'{len(weights)} weights for the {len(scores.per_model)} models of the saved scores')
    fused = fuse(scores.per_model, weights)
    return dataclasses.replace(scores, fused=fused, frame_probs=interpolate_frames(scores.centres, fused, num_frames))


def decode_all(scored, background: int, params: DecodeParams) -> dict[str, list]:
    return {str(seq['frame_dir']): [s[:3] for s in decode_segments(sc.frame_probs, background, params)]
            for seq, sc in scored}


def tune(scored, background: int, path: str, use_labels: bool = True) -> DecodeParams:
    probs = {str(seq['frame_dir']): sc.frame_probs for seq, sc in scored}
    gts = {str(seq['frame_dir']): seq['segments'] for seq, _ in scored}
    result = tune_decoder(probs, gts, background, use_labels=use_labels)
    with atomic_open(path, 'w', encoding='utf-8') as f:
        json.dump(dict(params=result.params.as_dict(), f1=result.f1, class_agnostic=not use_labels,
                       tried=result.tried, sequences=len(probs)), f, indent=1)
    return result.params


def load_decode_params(path: str) -> DecodeParams:
    with open(path, encoding='utf-8') as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not a JSON file: {e}') from None
    data = data.get('params', data) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected {{"params": {{"threshold": ..., "smooth": ...}}}}')
    unknown = set(data) - set(DecodeParams.__dataclass_fields__)
    if unknown:
        raise ValueError(f'{path}: unknown decoding parameter(s) {sorted(unknown)}')
    return DecodeParams(**data).check()


def write_outputs(scored, predictions: dict[str, list], out_dir: str, class_names, background: int,
                  plot: bool, fps_default: float | None) -> list[dict]:
    """``<name>_prediction.csv`` (video frame numbers when the sequence has ``frame_inds``) and the timeline."""
    from .plot import plot_timeline

    written = []
    for seq, sc in scored:
        name = str(seq['frame_dir'])
        paths = outputs_of(out_dir, name, plot, False)
        frame_inds = seq.get('frame_inds')
        write_segment_csv(paths['csv'], rows_to_frames(predictions[name], frame_inds))
        if plot:
            plot_timeline(paths['png'], name, predictions[name], class_names, seq.get('segments'), sc.frame_probs,
                          background, sequence_fps(seq, fps_default))
        written.append(paths)
    return written


def speed_report(scored, fps_default: float | None) -> dict:
    frames = sum(int(seq['keypoint'].shape[1]) for seq, _ in scored)
    seconds = sum(sc.seconds for _, sc in scored)
    cpu = sum(sc.cpu_seconds for _, sc in scored)
    durations = [int(seq['keypoint'].shape[1]) / f for seq, _ in scored
                 if (f := sequence_fps(seq, fps_default))]
    duration = sum(durations) if len(durations) == len(scored) else None
    return dict(frames=frames, processing_s=seconds, cpu_s=cpu, duration_s=duration,
                load=os.getloadavg()[0] if hasattr(os, 'getloadavg') else None)


def real_time_factors(speed: dict) -> dict:
    """Sequence duration / processing time: by wall clock (a lower bound on a shared machine) and by the
    process's CPU time (what the work costs with the CPU to itself; with N threads, N cores' time)."""
    d = speed.get('duration_s')
    speed['rtf'] = d / speed['processing_s'] if d and speed['processing_s'] > 0 else None
    speed['rtf_cpu'] = d / speed['cpu_s'] if d and speed['cpu_s'] > 0 else None
    return speed


def print_skipped(seqset: SequenceSet) -> None:
    for name, reason in seqset.skipped:
        print(f'skipped {name}: {reason}', file=sys.stderr)
