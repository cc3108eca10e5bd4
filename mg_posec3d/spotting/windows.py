"""Fixed-length windows of a long sequence, for training (cut into a normal pose pickle) and for inference.

A window of ``window`` frames is named by its **centre** row ``c`` and covers rows ``c - window // 2`` ..
``c - window // 2 + window - 1``; rows outside the sequence repeat its first / last frame, so every frame of a
sequence can be a centre. A window's label is the class of its centre frame: the class of the segment that
contains the centre, else the explicit **background** class (index ``num_classes``, after the gesture
classes). Training skips centres within ``ignore`` frames of a segment boundary, where the label is ambiguous.
Inference labels each frame with the scores of the window centred on it (see ``spotting.inference``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .sequences import Segment, join_sequences

BACKGROUND_NAME = 'background'


def window_rows(centre: int, window: int, num_frames: int) -> np.ndarray:
    """Rows of the window centred on ``centre`` (clamped: the first/last frame repeats past the ends)."""
    if window < 1 or num_frames < 1:
        raise ValueError(f'window ({window}) and num_frames ({num_frames}) must be >= 1')
    start = int(centre) - window // 2
    return np.clip(np.arange(start, start + window), 0, num_frames - 1)


def frame_labels(num_frames: int, segments: Sequence[Segment], background: int) -> np.ndarray:
    """The class of every frame: its segment's label, ``background`` outside all segments (where segments
    overlap, the earlier one in the list wins)."""
    labels = np.full(num_frames, background, np.int64)
    for label, start, end in reversed(list(segments)):
        labels[start:end + 1] = label
    return labels


def ambiguous_frames(num_frames: int, segments: Sequence[Segment], ignore: int) -> np.ndarray:
    """Frames within ``ignore`` frames of a segment's first or last frame (either side)."""
    mask = np.zeros(num_frames, bool)
    if ignore <= 0:
        return mask
    for _, start, end in segments:
        for b in (start, end):
            mask[max(0, b - ignore):min(num_frames, b + ignore + 1)] = True
    return mask


def sample_centres(num_frames: int, segments: Sequence[Segment], background: int, window: int,
                   pos_per_segment: int, bg_per_sequence: int, ignore: int, near_fraction: float,
                   rng: np.random.Generator) -> list[tuple[int, int]]:
    """Training centres ``(row, label)`` of one sequence.

    Positives: up to ``pos_per_segment`` centres drawn from each segment's frames that are more than
    ``ignore`` frames from its boundaries (the middle frame for segments too short for that). Background:
    ``bg_per_sequence`` centres outside every segment and away from boundaries, a ``near_fraction`` of them
    within ``window`` frames of a segment (the hard negatives that teach where a gesture starts and ends)."""
    labels = frame_labels(num_frames, segments, background)
    unsure = ambiguous_frames(num_frames, segments, ignore)
    out = []
    for label, start, end in segments:
        rows = np.arange(start, end + 1)
        rows = rows[~unsure[rows]] if (~unsure[rows]).any() else np.array([(start + end) // 2])
        take = rng.choice(rows, size=min(pos_per_segment, len(rows)), replace=False)
        out += [(int(r), int(label)) for r in np.sort(take)]
    bg = np.flatnonzero((labels == background) & ~unsure)
    if bg.size and bg_per_sequence > 0:
        near_mask = np.zeros(num_frames, bool)
        for _, start, end in segments:
            near_mask[max(0, start - window):min(num_frames, end + window + 1)] = True
        near = bg[near_mask[bg]]
        n_near = min(len(near), int(round(bg_per_sequence * near_fraction)))
        chosen = set(rng.choice(near, size=n_near, replace=False).tolist()) if n_near else set()
        rest = np.array([r for r in bg if r not in chosen])
        n_rest = min(len(rest), bg_per_sequence - n_near)
        if n_rest:
            chosen |= set(rng.choice(rest, size=n_rest, replace=False).tolist())
        out += [(int(r), background) for r in sorted(chosen)]
    return out


def cut_centres(num_before: int, joined: dict, background: int, window: int, count: int, ignore: int,
                rng: np.random.Generator) -> list[tuple[int, int]]:
    """Up to ``count`` training centres ``(row, label)`` of ``joined`` (two sequences end to end, the first
    ``num_before`` rows long) whose windows cross the cut between them, labelled by their centre frame like
    all others and away from segment boundaries."""
    t = joined['keypoint'].shape[1]
    segments = joined.get('segments', [])
    rows = np.arange(max(0, num_before - window // 2), min(t, num_before + (window + 1) // 2))
    rows = rows[~ambiguous_frames(t, segments, ignore)[rows]]
    take = np.sort(rng.choice(rows, size=min(count, len(rows)), replace=False))
    labels = frame_labels(t, segments, background)
    return [(int(r), int(labels[r])) for r in take]


def cut_window(seq: dict, centre: int, window: int, label: int, dtype=np.float16) -> dict:
    """One training annotation: the window of ``seq`` centred on ``centre``, named ``<sequence>@<centre>``."""
    rows = window_rows(centre, window, seq['keypoint'].shape[1])
    name = str(seq['frame_dir'])
    ann = dict(frame_dir=f'{name}@{int(centre):06d}', label=int(label), total_frames=window,
               keypoint=np.ascontiguousarray(seq['keypoint'][:, rows]).astype(dtype),
               keypoint_score=np.ascontiguousarray(seq['keypoint_score'][:, rows]).astype(dtype),
               sequence=name, centre=int(centre))
    for key in ('img_shape', 'original_shape', 'subject'):
        if key in seq:
            ann[key] = seq[key]
    return ann


def make_window_dataset(splits: dict[str, list[dict]], label_names: Sequence[str], window: int,
                        pos_per_segment: int = 2, bg_per_sequence: int = 2, ignore: int = 2,
                        near_fraction: float = 0.5, seed: int = 0, dtype=np.float16, across_cuts: int = 0) -> dict:
    """A normal PYSKL pose pickle of training windows (``MGPoseDataset`` reads it, ``tools/train.py`` trains on
    it unchanged) from labelled sequences per split: classes = ``label_names`` + ``background`` (last).

    ``across_cuts``: per sequence, also this many windows across its end, joined to the next sequence of the
    split (of the same ``subject``, where recorded): the pose jumps there, as where recordings are joined or a
    tracker switches persons, and the models see that a jump alone is no gesture."""
    background = len(label_names)
    rng = np.random.default_rng(seed)
    cut_rng = np.random.default_rng([seed, 1])  # its own stream: --across-cuts leaves the other windows as they were
    annos, split_ids, seen = [], {}, set()
    for split, seqs in splits.items():
        ids = []
        for i, seq in enumerate(seqs):
            if 'segments' not in seq:
                raise ValueError(f"sequence {seq.get('frame_dir')!r} of split {split!r} has no segments "
                                 '(training windows need labelled sequences)')
            t = seq['keypoint'].shape[1]
            todo = [(seq, c) for c in sample_centres(t, seq['segments'], background, window, pos_per_segment,
                                                     bg_per_sequence, ignore, near_fraction, rng)]
            nxt = seqs[i + 1] if i + 1 < len(seqs) else None
            if across_cuts and nxt is not None and seq.get('subject') == nxt.get('subject') and 'segments' in nxt:
                joined = join_sequences([seq, nxt], f"{seq['frame_dir']}+{nxt['frame_dir']}")
                todo += [(joined, c) for c in cut_centres(t, joined, background, window, across_cuts, ignore,
                                                              cut_rng)]
            for src, (centre, label) in todo:
                ann = cut_window(src, centre, window, label, dtype)
                if ann['frame_dir'] in seen:  # overlapping segments, or a sequence in two splits
                    continue
                seen.add(ann['frame_dir'])
                annos.append(ann)
                ids.append(ann['frame_dir'])
        split_ids[split] = ids
    return dict(split=split_ids, annotations=annos, label_names=list(label_names) + [BACKGROUND_NAME],
                background_class=background, window=window, layout='miga22',
                note=f'windows of {window} frames labelled by their centre frame; class {background} = background')
