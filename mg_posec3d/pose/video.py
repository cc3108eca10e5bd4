"""What ``tools/extract_pose.py`` can read: finding the inputs under a path, and reading their frames."""
from __future__ import annotations

import errno
import glob
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.wmv', '.flv')
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
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


def natural_key(s: str) -> list:
    """Sort key that orders ``img_2`` before ``img_10``."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r'(\d+)', s)]


def link_problem(path: str) -> str | None:
    """Why ``path`` is a symbolic link that leads nowhere (a loop, a missing target), or None."""
    if not os.path.islink(path):
        return None
    try:
        os.stat(path)
    except OSError as e:
        return 'symbolic link loop' if e.errno == errno.ELOOP else f'broken symbolic link ({e.strerror})'
    return None


def _files(folder: str, exts: tuple[str, ...]) -> list[str]:
    # links that lead nowhere are kept: they are read as unreadable frames and reported, not dropped silently
    return sorted((os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(exts)
                   and (os.path.isfile(os.path.join(folder, f)) or link_problem(os.path.join(folder, f)))),
                  key=natural_key)


def _has_openpose_json(folder: str) -> bool:
    return bool(glob.glob(os.path.join(glob.escape(folder), '*_keypoints.json')))


def _xlsx_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem[:-len('_openpose')] if stem.endswith('_openpose') else stem


def _item_of_dir(folder: str) -> InputItem | None:
    name = os.path.basename(os.path.normpath(folder))
    if _has_openpose_json(folder):
        return InputItem(name, folder, 'openpose_json')
    if _files(folder, IMAGE_EXTS):
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
        if (kind == 'frames' and _files(path, IMAGE_EXTS)) or (kind == 'openpose_json'
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


@dataclass
class VideoInfo:
    img_shape: tuple[int, int]
    fps: float | None
    num_frames: int | None   # as the container reports it (may be approximate)


def probe(item: InputItem) -> VideoInfo:
    """Size, fps and frame count of a video or frame folder, without decoding it all."""
    import cv2

    if item.kind == 'frames':
        files = _files(item.path, IMAGE_EXTS)
        for f in files:
            img = cv2.imread(f)
            if img is not None:
                return VideoInfo(img.shape[:2], None, len(files))
        raise InputReadError(f'{item.path}: no readable image among {len(files)} frame files')
    cap = cv2.VideoCapture(item.path)
    try:
        if not cap.isOpened():
            raise InputReadError(f'{item.path}: cannot open the video (not a video file or unsupported codec)')
        ok, frame = cap.read()
        if not ok or frame is None:
            raise InputReadError(f'{item.path}: the video has no decodable frame')
        fps = cap.get(cv2.CAP_PROP_FPS) or None
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        return VideoInfo(frame.shape[:2], float(fps) if fps else None, n)
    finally:
        cap.release()


def iter_frames(item: InputItem, stride: int = 1, max_frames: int | None = None,
                bad_frames: list | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(frame index, BGR image)`` for every ``stride``-th frame, at most ``max_frames`` of them.

    Unreadable images in a frame folder are skipped and their indices appended to ``bad_frames``.
    """
    import cv2

    if stride < 1:
        raise ValueError(f'stride must be >= 1, got {stride}')
    count = 0
    if item.kind == 'frames':
        for idx, f in enumerate(_files(item.path, IMAGE_EXTS)):
            if idx % stride:
                continue
            if max_frames is not None and count >= max_frames:
                return
            img = cv2.imread(f)
            if img is None:
                if bad_frames is not None:
                    bad_frames.append(idx)
                continue
            count += 1
            yield idx, img
        return
    if item.kind != 'video':
        raise ValueError(f'{item.path}: {item.kind} inputs have no frames to read')
    cap = cv2.VideoCapture(item.path)
    if not cap.isOpened():
        raise InputReadError(f'{item.path}: cannot open the video (not a video file or unsupported codec)')
    try:
        idx = 0
        while max_frames is None or count < max_frames:
            if idx % stride:
                if not cap.grab():   # grab() skips a frame without decoding it into an image
                    return
                idx += 1
                continue
            ok, frame = cap.read()
            if not ok or frame is None:
                return
            count += 1
            yield idx, frame
            idx += 1
    finally:
        cap.release()
