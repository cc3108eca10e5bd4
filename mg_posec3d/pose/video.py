"""What ``tools/data/extract_pose.py`` can read: finding the inputs under a path, and reading their frames
(decoded by :mod:`mg_posec3d.fileio.video`)."""
from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..fileio import video
from ..fileio.video import VIDEO_EXTS, VideoInfo, frame_files, link_problem, natural_key

KINDS = ('video', 'frames', 'openpose_json', 'miga2025_xlsx')
UNREADABLE = 'unreadable'   # a folder entry that is a symbolic link loop or a broken link: reported, not read


class InputReadError(RuntimeError):
    """An input (video, frame folder, keypoint file) that cannot be read; the message names it."""


@dataclass(frozen=True)
class InputItem:
    """One video-like input: its annotation name, path and kind (one of ``KINDS``)."""

    name: str
    path: str
    kind: str


def _has_openpose_json(folder: str) -> bool:
    return bool(glob.glob(os.path.join(glob.escape(folder), '*_keypoints.json')))


def _xlsx_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem[:-len('_openpose')] if stem.endswith('_openpose') else stem


def _item_of_dir(folder: str) -> InputItem | None:
    name = os.path.basename(os.path.normpath(folder))
    if _has_openpose_json(folder):
        return InputItem(name, folder, 'openpose_json')
    if frame_files(folder):
        return InputItem(name, folder, 'frames')
    return None


def discover_inputs(path: str, kind: str = 'auto') -> list[InputItem]:
    """The inputs under ``path``: a video file, an xlsx file, a folder of frames or OpenPose JSON files
    (one input), or a folder holding any of these (one input each, sorted by name).

    ``kind`` forces how single files/folders are read (``auto`` decides by extension and content).
    """
    if kind != 'auto' and kind not in KINDS:
        raise ValueError(f'unknown input kind {kind!r}; use auto or one of {KINDS}')
    if not os.path.exists(path):
        raise FileNotFoundError(f'{path}: no such file or folder')
    if os.path.isfile(path):
        ext = os.path.splitext(path)[1].lower()
        if kind == 'miga2025_xlsx' or (kind == 'auto' and ext == '.xlsx'):
            return [InputItem(_xlsx_name(path), path, 'miga2025_xlsx')]
        if kind in ('video', 'auto'):
            return [InputItem(os.path.splitext(os.path.basename(path))[0], path, 'video')]
        raise ValueError(f'{path}: a file cannot be read as {kind}')
    if kind in ('frames', 'openpose_json'):
        own = InputItem(os.path.basename(os.path.normpath(path)), path, kind)
        if (kind == 'frames' and frame_files(path)) or (kind == 'openpose_json'
                                                                 and _has_openpose_json(path)):
            return [own]
    else:
        own = _item_of_dir(path)
        if own is not None:
            return [own]
    items = []
    for entry in sorted(os.listdir(path), key=natural_key):
        p = os.path.join(path, entry)
        ext = os.path.splitext(entry)[1].lower()
        if os.path.isfile(p):
            if ext in VIDEO_EXTS and kind in ('auto', 'video'):
                items.append(InputItem(os.path.splitext(entry)[0], p, 'video'))
            elif ext == '.xlsx' and kind in ('auto', 'miga2025_xlsx') and not entry.startswith('~$'):
                items.append(InputItem(_xlsx_name(p), p, 'miga2025_xlsx'))
        elif os.path.isdir(p):
            sub = _item_of_dir(p)
            if sub is not None and kind in ('auto', sub.kind):
                items.append(sub)
        elif link_problem(p):
            items.append(InputItem(entry, p, UNREADABLE))   # reported by the runner, never silently left out
    names = [it.name for it in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f'{path}: several inputs would get the same annotation name: {dup}')
    return items


def _frames_input(item: InputItem) -> None:
    if item.kind not in ('video', 'frames'):
        raise ValueError(f'{item.path}: {item.kind} inputs have no frames to read')


def probe(item: InputItem) -> VideoInfo:
    """Size, fps and frame count of a video or frame folder, without decoding it all."""
    _frames_input(item)
    try:
        return video.probe(item.path)
    except video.VideoReadError as e:
        raise InputReadError(str(e)) from None


def iter_frames(item: InputItem, stride: int = 1, max_frames: int | None = None,
                bad_frames: list | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(frame index, BGR image)`` for every ``stride``-th frame, at most ``max_frames`` of them.

    Unreadable images in a frame folder are skipped and their indices appended to ``bad_frames``.
    """
    _frames_input(item)
    try:
        yield from video.iter_frames(item.path, stride, max_frames, bad_frames)
    except video.VideoReadError as e:
        raise InputReadError(str(e)) from None
