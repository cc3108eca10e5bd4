"""One video's keypoints in a source layout, and how they become PYSKL annotations in miga22.

A :class:`PoseRecord` is what every input path produces (a video or frame folder through a pose backend,
an OpenPose JSON folder, a MiGA 2025 xlsx file): one main subject, ``T`` sampled frames, the source
layout's ``V`` keypoints in pixels. :func:`make_annotations` maps it to miga22 and cuts labelled clips.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

import numpy as np

from ..layouts import SourceLayout, get_source_layout, map_keypoints

# iMiGUE/MiGA label csv: raw class id 99 ("illustrative") is the 32nd class.
RAW_ILLUSTRATIVE_ID = 99
ILLUSTRATIVE_LABEL = 31


@dataclass
class PoseRecord:
    """Keypoints of one subject over the sampled frames of one video (source layout, pixel coordinates).

    ``frame_inds[t]`` is the 0-based index in the original video of sampled frame ``t``; joints not seen
    have score 0 (and coordinates 0).
    """

    name: str
    keypoint: np.ndarray                 # [T, V, 2] float32
    score: np.ndarray                    # [T, V] float32
    img_shape: tuple[int, int]           # (h, w)
    source: str                          # source layout name (see layouts.SOURCE_LAYOUTS)
    frame_inds: np.ndarray = None        # [T] int64
    fps: float | None = None
    path: str = ''
    video_frames: int | None = None      # frames in the whole input (before sampling)
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.keypoint = np.asarray(self.keypoint, np.float32)
        self.score = np.asarray(self.score, np.float32)
        if self.frame_inds is None:
            self.frame_inds = np.arange(len(self.keypoint))
        self.frame_inds = np.asarray(self.frame_inds, np.int64)
        self.img_shape = (int(self.img_shape[0]), int(self.img_shape[1]))
        src = get_source_layout(self.source)
        t = len(self.frame_inds)
        if self.keypoint.shape != (t, src.num_joints, 2) or self.score.shape != (t, src.num_joints):
            raise ValueError(f'{self.name}: expected keypoint [{t}, {src.num_joints}, 2] and score '
                             f'[{t}, {src.num_joints}] for {src.name}, got {self.keypoint.shape} and '
                             f'{self.score.shape}')

    @property
    def num_frames(self) -> int:
        return len(self.frame_inds)

    @property
    def frames_with_person(self) -> int:
        return int((self.score > 0).any(axis=1).sum())

    def to_dict(self) -> dict:
        """Plain data (dicts, numbers, strings, arrays) for the resume cache."""
        return dict(name=self.name, keypoint=self.keypoint, score=self.score, img_shape=self.img_shape,
                    source=self.source, frame_inds=self.frame_inds, fps=self.fps, path=self.path,
                    video_frames=self.video_frames, meta=dict(self.meta))

    @classmethod
    def from_dict(cls, d: dict) -> PoseRecord:
        return cls(**d)


def sanitize(keypoint: np.ndarray, score: np.ndarray, img_shape: tuple[int, int],
             margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Joints outside the image (beyond ``margin`` x its size), non-finite, or with score <= 0 are "not
    seen": coordinates 0 and score 0 (PYSKL's convention; PoseCompact ignores zero coordinates)."""
    kp = np.array(keypoint, np.float32)
    sc = np.array(score, np.float32)
    h, w = img_shape
    x, y = kp[..., 0], kp[..., 1]
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(sc) & (sc > 0)
    ok &= (x >= -margin * w) & (x <= (1 + margin) * w) & (y >= -margin * h) & (y <= (1 + margin) * h)
    kp[~ok] = 0
    sc[~ok] = 0
    return kp, np.clip(sc, 0, 1)


def to_miga22(record: PoseRecord) -> tuple[np.ndarray, np.ndarray]:
    """The record's keypoints mapped to miga22: ``[T, 22, 2]`` and ``[T, 22]`` float32, unseen joints 0."""
    kp, sc = sanitize(record.keypoint, record.score, record.img_shape)
    src: SourceLayout = get_source_layout(record.source)
    kp, sc = map_keypoints(kp, sc, src)
    # an averaged joint with an unseen part (score 0) is unseen too: drop its half-zero coordinates
    kp[sc <= 0] = 0
    return kp, sc


def read_label_csv(path: str) -> list[tuple[int, int, int]]:
    """Rows ``gestureID,start,end`` of an iMiGUE/MiGA label csv as ``(label, start, end)``.

    Raw ids are 1-based (label = id - 1) and raw 99 ("illustrative") becomes 31. ``start``/``end`` are
    0-based frame indices, both included (the MiGA baseline reads them so). One non-numeric header line
    and blank lines are allowed.
    """
    rows = []
    with open(path, newline='') as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            cells = [c.strip() for c in row if c.strip() != '']
            if not cells:
                continue
            try:
                nums = [int(float(c)) for c in cells[:3]]
            except ValueError:
                if lineno == 1:
                    continue  # header
                nums = []
            if len(nums) != 3:
                raise ValueError(f'{path}: line {lineno}: expected "gestureID,start,end" integers, '
                                 f'got {row!r}')
            raw, start, end = nums
            if raw < 1:
                raise ValueError(f'{path}: line {lineno}: gestureID {raw} is not a 1-based class id')
            if start < 0 or end < start:
                raise ValueError(f'{path}: line {lineno}: bad frame range start={start} end={end}')
            label = ILLUSTRATIVE_LABEL if raw == RAW_ILLUSTRATIVE_ID else raw - 1
            rows.append((label, start, end))
    return rows


def _annotation(name: str, record: PoseRecord, kp: np.ndarray, sc: np.ndarray, sel: np.ndarray,
                label: int, keep_full: bool) -> dict:
    ann = dict(
        frame_dir=name,
        label=int(label),
        img_shape=record.img_shape,
        original_shape=record.img_shape,
        total_frames=int(sel.sum()),
        keypoint=kp[sel][None].astype(np.float32),
        keypoint_score=sc[sel][None].astype(np.float32),
        video=record.name,
        frame_inds=record.frame_inds[sel].copy(),
    )
    if record.fps:
        ann['fps'] = float(record.fps)
    if keep_full:
        full_kp, full_sc = sanitize(record.keypoint, record.score, record.img_shape)
        ann['keypoint_full'] = full_kp[sel][None]
        ann['keypoint_score_full'] = full_sc[sel][None]
    return ann


def make_annotations(record: PoseRecord, labels: list[tuple[int, int, int]] | None = None,
                     keep_full: bool = False, skip=None) -> list[dict]:
    """PYSKL annotations of a record: one for the whole video (label -1) or one per label row, named
    ``<video>_<k>`` with ``k`` the 0-based row index. ``skip(item, reason)`` is told about clips that are
    left out (no sampled frame inside, or no person in any of them)."""
    kp, sc = to_miga22(record)
    seen = (sc > 0).any(axis=1)
    if labels is None:
        sel = np.ones(record.num_frames, bool)
        return [_annotation(record.name, record, kp, sc, sel, -1, keep_full)]
    out = []
    for k, (label, start, end) in enumerate(labels):
        name = f'{record.name}_{k}'
        sel = (record.frame_inds >= start) & (record.frame_inds <= end)
        if not sel.any():
            if skip:
                skip(name, f'clip frames {start}..{end} outside the sampled video frames')
            continue
        if not seen[sel].any():
            if skip:
                skip(name, 'no person in the clip')
            continue
        out.append(_annotation(name, record, kp, sc, sel, label, keep_full))
    return out


def find_label_csv(label_csv: str, name: str) -> str | None:
    """The label csv of input ``name`` in a folder: ``<name>_label.csv``, ``<name>.csv`` or the same in a
    ``<name>/`` subfolder (iMiGUE layout)."""
    for rel in (f'{name}_label.csv', f'{name}.csv', os.path.join(name, f'{name}_label.csv'),
                os.path.join(name, f'{name}.csv')):
        p = os.path.join(label_csv, rel)
        if os.path.isfile(p):
            return p
    return None


