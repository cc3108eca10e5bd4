"""Long sequences and their labelled segments: the one format every spotting tool reads.

A **sequence file** is a PYSKL annotation pickle (``.pkl``, or gzip-compressed ``.pkl.gz``) whose annotations
are whole recordings. Each annotation may carry ``segments``: a list of ``(label, start, end)`` with ``label``
the 0-based class index and ``start``/``end`` the first and last frame of the micro-gesture, **both included**,
counted as 0-based rows of the annotation's ``keypoint`` array. When an annotation records ``frame_inds`` (the
video frame number of each row, as ``tools/data/extract_pose.py`` writes it) the tools convert between rows and
video frames with :func:`frames_to_rows` / :func:`rows_to_frames`. Optional top-level keys: ``label_names``
(class names, without the background), ``split``, ``layout``.

Prediction / ground-truth csv files (``<sequence>_prediction.csv``) have rows ``label,start,end`` in the same
convention (0-based class, inclusive frames). The iMiGUE/MiGA label csv (1-based ids, raw 99 = class 31,
0-based frames) and the SMG ``SampleNNNN_finelabels.csv`` (1-based ids, 1-based frames) are read by
:func:`read_segment_csv`.
"""
from __future__ import annotations

import csv
import gzip
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..annotations import frames_to_rows  # noqa: F401  (one rule; re-exported for the spotting converters)
from ..datasets.validation import AnnotationError, validate_annotations
from ..fileio import atomic_open, safe_load_pickle, save_pickle

Segment = tuple[int, int, int]  # (label, start, end), end included
CSV_FORMATS = ('ours', 'imigue', 'smg')
ILLUSTRATIVE_RAW_ID = 99  # iMiGUE: raw id 99 ("illustrative") is class 31
ILLUSTRATIVE_LABEL = 31


class SequenceError(ValueError):
    """A sequence file, segment list or label csv that cannot be used; the message names the file and field."""


# ---------------------------------------------------------------------------------------------------------
# segments
# ---------------------------------------------------------------------------------------------------------
def _int(x) -> int | None:
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return int(x)
    return None


def check_segments(segments, num_frames: int, where: str, num_classes: int | None = None) -> list[Segment]:
    """``segments`` as a list of ``(label, start, end)`` ints, or :class:`SequenceError` naming the entry:
    labels >= 0 (and < ``num_classes``), ``0 <= start <= end < num_frames``."""
    if not isinstance(segments, (list, tuple)):
        raise SequenceError(f"{where}: field 'segments' must be a list of (label, start, end), got "
                            f'{type(segments).__name__}')
    out = []
    for i, seg in enumerate(segments):
        vals = [_int(v) for v in seg] if isinstance(seg, (list, tuple, np.ndarray)) else []
        if len(vals) != 3 or any(v is None for v in vals):
            raise SequenceError(f"{where}: field 'segments[{i}]': expected (label, start, end) integers, got {seg!r}")
        label, start, end = vals
        if label < 0 or (num_classes is not None and label >= num_classes):
            limit = f' for {num_classes} classes' if num_classes is not None else ''
            raise SequenceError(f"{where}: field 'segments[{i}]': label {label} is outside [0, "
                                f"{num_classes if num_classes is not None else 'inf'}){limit}")
        if not 0 <= start <= end < num_frames:
            raise SequenceError(f"{where}: field 'segments[{i}]': frames {start}..{end} are not within the "
                                f'sequence (0..{num_frames - 1}, start <= end)')
        out.append((label, start, end))
    return out


def rows_to_frames(segments: Sequence[Segment], frame_inds: np.ndarray | None) -> list[Segment]:
    """Rows -> video frame numbers (``frame_inds`` None: unchanged)."""
    if frame_inds is None:
        return [tuple(int(v) for v in s) for s in segments]
    fi = np.asarray(frame_inds)
    return [(int(label), int(fi[start]), int(fi[end])) for label, start, end in segments]


# ---------------------------------------------------------------------------------------------------------
# csv files
# ---------------------------------------------------------------------------------------------------------
def read_segment_csv(path: str, fmt: str = 'ours', num_classes: int | None = None) -> list[Segment]:
    """Rows ``label,start,end`` of a segment csv as 0-based ``(label, start, end)`` (end included).

    ``fmt``: ``ours`` (0-based labels and frames, what ``tools/spot.py`` writes), ``imigue`` (iMiGUE/MiGA
    ``<id>_label.csv``: 1-based ids, raw 99 -> class 31, 0-based frames) or ``smg`` (SMG
    ``SampleNNNN_finelabels.csv``: 1-based ids and 1-based frames, as SMG's ``getSkeleton(frameNum)`` reads
    row ``frameNum - 1``). One non-numeric header line and blank lines are allowed.
    """
    if fmt not in CSV_FORMATS:
        raise SequenceError(f'unknown segment csv format {fmt!r}; use one of {CSV_FORMATS}')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such segment csv')
    out = []
    with open(path, newline='', encoding='utf-8') as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            cells = [c.strip() for c in row if c.strip() != '']
            if not cells:
                continue
            try:
                vals = [float(c) for c in cells[:3]]
            except ValueError:
                if lineno == 1:
                    continue  # header
                vals = []
            ints = [_int(v) for v in vals]
            if len(cells) < 3 or len(ints) != 3 or any(v is None for v in ints):
                raise SequenceError(f'{path}: line {lineno}: expected "label,start,end" integers, got {row!r}')
            label, start, end = ints
            if fmt in ('imigue', 'smg'):
                if label < 1:
                    raise SequenceError(f'{path}: line {lineno}: class id {label} is not 1-based')
                label = ILLUSTRATIVE_LABEL if (fmt == 'imigue' and label == ILLUSTRATIVE_RAW_ID) else label - 1
            if fmt == 'smg':
                start, end = start - 1, end - 1
            if label < 0 or (num_classes is not None and label >= num_classes):
                raise SequenceError(f'{path}: line {lineno}: label {label} is outside [0, {num_classes})')
            if start < 0 or end < start:
                raise SequenceError(f'{path}: line {lineno}: bad frame range start={start} end={end}')
            out.append((label, start, end))
    return out


def write_segment_csv(path: str, segments: Sequence[Segment]) -> None:
    """Rows ``label,start,end`` (no header), written atomically (never half-written)."""
    with atomic_open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f)
        for label, start, end in segments:
            w.writerow([int(label), int(start), int(end)])


# ---------------------------------------------------------------------------------------------------------
# sequence files
# ---------------------------------------------------------------------------------------------------------
def read_pickle(path: str, unsafe: bool = False):
    """A ``.pkl`` or gzip-compressed ``.pkl.gz`` through the project's allow-list unpickler."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:2] == b'\x1f\x8b':  # gzip magic, whatever the extension
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise ValueError(f'{path}: not a readable gzip file (truncated or corrupt?): {e}') from None
    if unsafe:
        return pickle.loads(raw)  # noqa: S301 - the user's explicit choice (--unsafe-pickle)
    return safe_load_pickle(raw, source=path)


def save_sequences(data: dict, path: str) -> None:
    """Write a sequence file atomically (gzip-compressed when ``path`` ends in ``.gz``)."""
    if not path.endswith('.gz'):
        save_pickle(data, path)
        return
    # filename='': the gzip header would otherwise record the temporary file's name
    with atomic_open(path, 'wb') as raw, gzip.GzipFile(filename='', mode='wb', fileobj=raw, compresslevel=9) as f:
        pickle.dump(data, f, protocol=4)


@dataclass
class SequenceSet:
    """The usable sequences of a file (or a video), with what was skipped and why."""

    sequences: list[dict]
    label_names: list[str] | None = None
    source: str = ''
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)

    @property
    def has_ground_truth(self) -> bool:
        return bool(self.sequences) and all('segments' in s for s in self.sequences)


def load_sequences(path: str, split: str | None = None, num_joints: int | None = None,
                   num_classes: int | None = None, unsafe: bool = False) -> SequenceSet:
    """Read a sequence file; bad sequences are skipped and listed in ``skipped`` (name, message naming the
    file, sequence and field), problems of the whole file raise :class:`SequenceError` / ``AnnotationError``."""
    data = read_pickle(path, unsafe)
    annos, report = validate_annotations(data, path, num_joints=num_joints, split=split, require_label=False)
    if report.file_level:
        raise AnnotationError(report)
    bad: dict[str, str] = {}
    for sample, field_, msg in report.problems:
        bad.setdefault(sample, f"{path}: sequence {sample!r}, field '{field_}': {msg}")
    names = data.get('label_names') if isinstance(data, dict) else None
    out, skipped = [], []
    for ann in annos:
        name = str(ann.get('frame_dir'))
        if name in bad:
            skipped.append((name, bad[name]))
            continue
        if 'segments' in ann:
            try:
                ann['segments'] = check_segments(ann['segments'], ann['keypoint'].shape[1],
                                                 f'{path}: sequence {name!r}', num_classes)
            except SequenceError as e:
                skipped.append((name, str(e)))
                continue
        out.append(ann)
    return SequenceSet(out, list(names) if names else None, path, skipped)


def join_sequences(sequences: Sequence[dict], name: str) -> dict:
    """One sequence made of ``sequences`` end to end (rows concatenated, segments shifted); ``joined_from``
    lists ``(name, first row, frames)`` of each part. All parts must share ``img_shape``; persons are padded
    to the largest count with score-0 (never drawn) persons."""
    if not sequences:
        raise SequenceError(f'{name}: nothing to join')
    shapes = {tuple(s.get('img_shape', ())) for s in sequences}
    if len(shapes) != 1:
        raise SequenceError(f'{name}: cannot join sequences with different img_shape {sorted(shapes)}')
    num_m = max(s['keypoint'].shape[0] for s in sequences)
    kps, scs, segs, parts, row = [], [], [], [], 0
    for s in sequences:
        kp, sc = s['keypoint'], s['keypoint_score']
        m, t = kp.shape[:2]
        if m < num_m:
            kp = np.concatenate([kp, np.zeros((num_m - m, ) + kp.shape[1:], kp.dtype)])
            sc = np.concatenate([sc, np.zeros((num_m - m, ) + sc.shape[1:], sc.dtype)])
        kps.append(kp)
        scs.append(sc)
        segs += [(label, start + row, end + row) for label, start, end in s.get('segments', [])]
        parts.append((str(s['frame_dir']), row, t))
        row += t
    first = sequences[0]
    out = {k: v for k, v in first.items() if k not in ('keypoint', 'keypoint_score', 'segments', 'frame_inds')}
    out.update(frame_dir=name, keypoint=np.concatenate(kps, 1), keypoint_score=np.concatenate(scs, 1),
               total_frames=row, joined_from=parts)
    if all('segments' in s for s in sequences):
        out['segments'] = segs
    return out


def join_by(sequences: Sequence[dict], key: str) -> list[dict]:
    """Join the sequences that share the value of ``key`` (e.g. ``subject``), in file order, into one each,
    named ``<key><value>_joined``."""
    groups: dict = {}
    for s in sequences:
        if key not in s:
            raise SequenceError(f"sequence {s.get('frame_dir')!r} has no field {key!r} to join by")
        groups.setdefault(s[key], []).append(s)
    return [join_sequences(group, f'{key}{value}_joined') for value, group in groups.items()]
