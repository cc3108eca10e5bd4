"""One video's keypoints (:class:`PoseRecord`) and the one way they become PYSKL annotation dicts.

A :class:`PoseRecord` is what every input path produces (a video or frame folder through a pose backend, an
OpenPose JSON folder, a MiGA 2025 xlsx file, an SMG Kinect csv): one main subject, ``T`` sampled frames, the
source layout's ``V`` keypoints in pixels. :func:`build_annotation` is the single builder of a PYSKL
annotation dict; :func:`make_annotations` cuts labelled clips of a record with it, and
:func:`make_sequence_annotation` keeps the whole record with its labelled ``segments`` (the long-sequence
format the spotting tools read).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..layouts import SourceLayout, get_source_layout, map_keypoints

# ``skip(item, reason)``: how builders tell a caller (usually a ConversionReport) what they left out
SkipFn = Callable[[str, str], None]
Segment = tuple  # (label, start, end), both ends included


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


def to_target(record: PoseRecord) -> tuple[np.ndarray, np.ndarray]:
    """The record's keypoints in its source's model layout (miga22 for every pose estimator; kinect25 for
    SMG): ``[T, V, 2]`` and ``[T, V]`` float32, unseen joints 0."""
    kp, sc = sanitize(record.keypoint, record.score, record.img_shape)
    src: SourceLayout = get_source_layout(record.source)
    kp, sc = map_keypoints(kp, sc, src)
    # an averaged joint with an unseen part (score 0) is unseen too: drop its half-zero coordinates
    kp[sc <= 0] = 0
    return kp, sc


def build_annotation(name: str, keypoint: np.ndarray, score: np.ndarray, img_shape: tuple[int, int],
                     label: int = -1, frame_inds: np.ndarray | None = None, **extra) -> dict:
    """The one PYSKL/mmaction2 annotation dict: ``frame_dir``, ``label`` (-1: unlabelled), ``img_shape`` =
    ``original_shape``, ``total_frames``, ``keypoint`` float32 ``[M, T, V, 2]``, ``keypoint_score`` float32
    ``[M, T, V]`` (a ``[T, V, 2]`` input is one person), optional ``frame_inds`` (int64, the video frame of
    each row) and any ``extra`` fields (``video``, ``fps``, ``segments``, ...)."""
    kp = np.asarray(keypoint, np.float32)
    sc = np.asarray(score, np.float32)
    if kp.ndim == 3:
        kp, sc = kp[None], sc[None]
    if kp.ndim != 4 or kp.shape[-1] != 2 or sc.shape != kp.shape[:-1]:
        raise ValueError(f'{name}: expected keypoint [M, T, V, 2] and score [M, T, V], got {kp.shape} and '
                         f'{sc.shape}')
    shape = (int(img_shape[0]), int(img_shape[1]))
    ann = dict(frame_dir=name, label=int(label), img_shape=shape, original_shape=shape,
               total_frames=int(kp.shape[1]), keypoint=kp, keypoint_score=sc)
    if frame_inds is not None:
        ann['frame_inds'] = np.asarray(frame_inds, np.int64)
    ann.update(extra)
    return ann


def _record_annotation(name: str, record: PoseRecord, kp: np.ndarray, sc: np.ndarray, sel: np.ndarray,
                       label: int, keep_full: bool) -> dict:
    extra = dict(video=record.name)
    if record.fps:
        extra['fps'] = float(record.fps)
    if keep_full:
        full_kp, full_sc = sanitize(record.keypoint, record.score, record.img_shape)
        extra.update(keypoint_full=full_kp[sel][None], keypoint_score_full=full_sc[sel][None])
    return build_annotation(name, kp[sel], sc[sel], record.img_shape, label, record.frame_inds[sel], **extra)


def make_annotations(record: PoseRecord, labels: Sequence[Segment] | None = None, keep_full: bool = False,
                     skip: SkipFn | None = None, drop_empty: bool = True) -> list[dict]:
    """PYSKL annotations of a record: one for the whole video (label -1) or one per label row
    ``(label, start, end)`` (video frames, both included), named ``<video>_<k>`` with ``k`` the 0-based row
    index. ``skip(item, reason)`` is told about clips left out: no sampled frame inside, or (``drop_empty``)
    no person in any of them. Keep empty clips (``drop_empty=False``) where every row must give a clip, e.g. a
    test set whose ids a submission must list."""
    kp, sc = to_target(record)
    seen = (sc > 0).any(axis=1)
    if labels is None:
        sel = np.ones(record.num_frames, bool)
        return [_record_annotation(record.name, record, kp, sc, sel, -1, keep_full)]
    out = []
    for k, (label, start, end) in enumerate(labels):
        name = f'{record.name}_{k}'
        sel = (record.frame_inds >= start) & (record.frame_inds <= end)
        if not sel.any():
            if skip:
                skip(name, f'clip frames {start}..{end} outside the sampled video frames')
            continue
        if drop_empty and not seen[sel].any():
            if skip:
                skip(name, 'no person in the clip')
            continue
        out.append(_record_annotation(name, record, kp, sc, sel, label, keep_full))
    return out


def frames_to_rows(segments: Sequence[Segment], frame_inds: np.ndarray) -> tuple[list[Segment], list[Segment]]:
    """Segments in video frames -> rows of a (possibly strided) record: the first and last row whose frame lies
    in ``start..end``. Returns (converted, dropped: segments with no sampled frame inside)."""
    frame_inds = np.asarray(frame_inds)
    out, dropped = [], []
    for label, start, end in segments:
        rows = np.flatnonzero((frame_inds >= start) & (frame_inds <= end))
        if rows.size:
            out.append((int(label), int(rows[0]), int(rows[-1])))
        else:
            dropped.append((int(label), int(start), int(end)))
    return out, dropped


def make_sequence_annotation(record: PoseRecord, segments: Sequence[Segment] | None,
                             skip: SkipFn | None = None) -> dict:
    """The whole record as one annotation (label -1) plus ``segments``: ``[(label, start, end), ...]`` as
    0-based rows of its ``keypoint`` array, both ends included (``frame_inds`` maps rows to video frames).
    ``segments`` are given in video frames; one with no sampled frame inside is left out and told to
    ``skip``. ``None``: no ground truth (the annotation has no ``segments`` key)."""
    ann = make_annotations(record)[0]
    if segments is not None:
        rows, dropped = frames_to_rows(segments, record.frame_inds)
        for label, start, end in dropped:
            if skip:
                skip(f'{record.name} segment {label},{start},{end}', 'segment outside the sequence frames')
        ann['segments'] = rows
    return ann
