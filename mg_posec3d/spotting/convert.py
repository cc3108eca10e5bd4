"""Sources of long sequences with segments (``tools/data/convert_sequences.py``): iMiGUE/MiGA raw skeleton folders,
any PYSKL pickle of whole recordings (``tools/data/extract_pose.py`` output, SMG sequences) plus label csv files,
and the reach-to-grasp whole-trial recordings shipped with the project."""
from __future__ import annotations

import math
import os

import numpy as np

from ..converters.miga import IMIGUE_IMG_SHAPE
from ..converters.pyskl import ConversionReport
from ..layouts import map_keypoints
from .sequences import Segment, SequenceError, check_segments, frames_to_rows, read_segment_csv

RTG_SOURCE = 'reach_to_grasp50'
RTG_SPLITS = {'train': range(1, 7), 'val': (7, ), 'test': (8, )}
LABEL_FILES = {  # where the label csv of recording <n> may be, per csv format
    'imigue': ('{n}_label.csv', '{n}.csv', '{n}/{n}_label.csv'),
    'smg': ('{n}_finelabels.csv', '{n}.csv', '{n}/{n}_finelabels.csv'),
    'ours': ('{n}.csv', '{n}_label.csv', '{n}_prediction.csv'),
}


def find_segment_csv(folder: str, name: str, fmt: str) -> str | None:
    for pattern in LABEL_FILES[fmt]:
        path = os.path.join(folder, pattern.format(n=name))
        if os.path.isfile(path):
            return path
    return None


def _rows_segments(segments: list[Segment], ann: dict, where: str) -> tuple[list[Segment], list[Segment]]:
    """Segments read in video frames -> rows of ``ann`` (through its ``frame_inds`` when it has them)."""
    if 'frame_inds' in ann:
        return frames_to_rows(segments, ann['frame_inds'])
    return check_segments(segments, int(ann['keypoint'].shape[1]), where), []


def attach_segments(data: dict, label_dir: str, fmt: str, report: ConversionReport,
                    num_classes: int | None = None) -> dict:
    """A PYSKL pickle of whole recordings + one label csv per recording -> a sequence file. Recordings without
    a label csv stay (without ``segments``, for inference only); a label csv that cannot be read or does not
    fit its recording skips that recording (reported)."""
    annos = []
    for ann in data['annotations']:
        name = str(ann.get('frame_dir'))
        path = find_segment_csv(label_dir, name, fmt)
        ann = dict(ann)
        if path is None:
            report.skip(name, 'kept without segments: no label csv')
            report.clips, report.frames = report.clips + 1, report.frames + int(ann['keypoint'].shape[1])
            annos.append(ann)
            continue
        try:
            segments, dropped = _rows_segments(read_segment_csv(path, fmt, num_classes), ann, path)
        except (SequenceError, ValueError) as e:
            report.skip(name, f'unreadable label csv ({e})')
            continue
        if dropped:
            report.skip(name, f'{len(dropped)} segment(s) without a sampled frame dropped')
        ann['segments'] = segments
        ann.setdefault('label', -1)
        annos.append(ann)
        report.clips += 1
        report.frames += int(ann['keypoint'].shape[1])
    kept = {a['frame_dir'] for a in annos}
    out = {k: v for k, v in data.items() if k != 'annotations'}
    out['annotations'] = annos
    if isinstance(data.get('split'), dict):
        out['split'] = {k: [x for x in v if x in kept] for k, v in data['split'].items()}
    return out


def from_miga_raw(folder: str, report: ConversionReport) -> dict:
    """iMiGUE / MiGA raw folder (``<id>_light_hand.csv`` + optional ``<id>_label.csv``) -> whole-video
    sequences in miga22 with ``frame_inds`` = the skeleton csv's frame column and the label rows as segments."""
    from ..converters.miga import iter_raw_folder, read_label_csv

    annos = []
    for vid, frames, kp, sc, label_path in iter_raw_folder(folder, report):
        ann = dict(frame_dir=vid, label=-1, img_shape=IMIGUE_IMG_SHAPE, original_shape=IMIGUE_IMG_SHAPE,
                   total_frames=len(frames), keypoint=kp[None], keypoint_score=sc[None], frame_inds=frames)
        if label_path is not None:
            try:
                segments, dropped = frames_to_rows(read_label_csv(label_path), frames)
            except ValueError as e:
                report.skip(label_path, f'unreadable label csv ({e})')
                continue
            if dropped:
                report.skip(vid, f'{len(dropped)} segment(s) outside the skeleton csv frames dropped')
            ann['segments'] = segments
        annos.append(ann)
        report.clips += 1
        report.frames += len(frames)
    return dict(split={'all': [a['frame_dir'] for a in annos]}, annotations=annos, layout='miga22')


def from_rtg_trials(data: dict, step: int = 2, dtype=np.float16) -> dict:
    """The reach-to-grasp whole-trial recordings (50-joint OpenPose, ~60 fps, ``onset_frame``/``end_frame`` of
    the reach-to-grasp phase) -> miga22 sequences keeping every ``step``-th frame (rows ``0, step, 2 step, ...``
    of the original), each with one segment: its first and last kept frame inside the phase (the original
    frames are kept as ``source_onset_frame``/``source_end_frame``, with ``source_step``). Keypoints are
    mapped exactly as ``tools/data/convert_pose.py --source reach_to_grasp50`` maps the clips of the bundled sample."""
    if step < 1:
        raise ValueError(f'step must be >= 1, got {step}')
    annos, split = [], {}
    for a in data['annotations']:
        name = str(a['frame_dir'])
        kp, sc = map_keypoints(a['keypoint'], a['keypoint_score'], RTG_SOURCE)
        total = kp.shape[1]
        rows = np.arange(0, total, step)
        start, end = math.ceil(a['onset_frame'] / step), int(a['end_frame']) // step
        if end < start:
            raise SequenceError(f'{name}: the reach-to-grasp phase {a["onset_frame"]}..{a["end_frame"]} holds no '
                                f'kept frame at step {step}')
        ann = dict(frame_dir=name, label=-1, subject=int(a['subject']), total_frames=len(rows),
                   img_shape=tuple(a['img_shape']), original_shape=tuple(a['original_shape']),
                   keypoint=kp[:, rows].astype(dtype), keypoint_score=sc[:, rows].astype(dtype),
                   segments=[(int(a['label']), start, end)],
                   source_step=step, source_onset_frame=int(a['onset_frame']), source_end_frame=int(a['end_frame']))
        if 'time' in a and len(rows) > 1:
            ann['fps'] = round(float(1.0 / np.median(np.diff(np.asarray(a['time'], np.float64)[rows]))), 2)
        annos.append(ann)
        split.setdefault(f'P{int(a["subject"])}', []).append(name)
    for name, subjects in RTG_SPLITS.items():
        split[name] = [x for s in subjects for x in split.get(f'P{s}', [])]
    return dict(split=split, annotations=annos, label_names=list(data.get('label_names', [])), layout='miga22',
                source_layout=RTG_SOURCE,
                note=f'whole reach-to-grasp trials, every {step}-th frame of the ~60 fps recording; one segment per '
                     'trial: the reach-to-grasp phase (first and last kept frame inside onset_frame..end_frame)')
