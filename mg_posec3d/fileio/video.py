"""Reading frames from a video file or a folder of frame images: the one place that decodes them.

Two ways in:

- :func:`read_frames` / :func:`count_frames` (the RGB datasets, ``tools/data/pair_rgb.py``): chosen frames by
  0-based index, as RGB ``uint8`` ``[H, W, 3]``. Video backends, in the order ``'auto'`` tries them:
  ``decord`` (random access: fast for frames deep in long videos), ``pyav`` and ``opencv`` (both decode
  sequentially from the start: fine for clip videos, slow for frames near the end of long ones). A file one
  backend cannot read is tried with the next.
- :func:`probe` / :func:`iter_frames` (pose extraction): size and fps, then every ``stride``-th frame in
  order, as OpenCV BGR images.

Frame folders are read with OpenCV in natural name order (``img_2`` before ``img_10``). Errors are
:class:`VideoReadError` and name the file (and the clip, where one is given), so a bad video in a 10k-clip
run can be found and removed.
"""
from __future__ import annotations

import errno
import importlib.util
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.wmv', '.flv')
IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
VIDEO_BACKENDS = ('decord', 'pyav', 'opencv')
_MODULES = {'decord': 'decord', 'pyav': 'av', 'opencv': 'cv2'}


class VideoReadError(RuntimeError):
    """A video or frame folder that is missing, unreadable, or too short; the message names it."""


def available_backends() -> list[str]:
    """Video backends importable here, in the order ``'auto'`` tries them."""
    return [b for b in VIDEO_BACKENDS if importlib.util.find_spec(_MODULES[b]) is not None]


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


def frame_files(folder: str) -> list[str]:
    """The image files of a frame folder in frame order (natural sort of the names). Links that lead nowhere
    are kept: they are read as unreadable frames and reported, not dropped silently (which would shift the
    frames after them)."""
    names = [f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTS)
             and (os.path.isfile(os.path.join(folder, f)) or link_problem(os.path.join(folder, f)))]
    return [os.path.join(folder, f) for f in sorted(names, key=natural_key)]


def source_kind(path: str) -> str:
    """``'frames'`` for a folder, ``'video'`` for a file; raises FileNotFoundError if neither exists."""
    if os.path.isdir(path):
        return 'frames'
    if os.path.isfile(path):
        return 'video'
    raise FileNotFoundError(path)


def _where(clip: str | None, path: str) -> str:
    return f'clip {clip!r}: RGB source {path}' if clip is not None else f'RGB source {path}'


def _short(e: Exception, width: int = 200) -> str:
    msg = f'{type(e).__name__}: {e}'.replace('\n', ' ')
    return msg if len(msg) <= width else msg[:width] + '...'


def _backends(backend: str) -> list[str]:
    if backend == 'auto':
        found = available_backends()
        if not found:
            raise VideoReadError('no video backend: install decord (or av, or opencv-python-headless)')
        return found
    if backend not in VIDEO_BACKENDS:
        raise ValueError(f'unknown video backend {backend!r}; use auto or one of {VIDEO_BACKENDS}')
    return [backend]


# ------------------------------------------------------------------------------------------------- OpenCV
@contextmanager
def _capture(path: str):
    import cv2

    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise VideoReadError(f'{path}: cannot open the video (not a video file or unsupported codec)')
        yield cap
    finally:
        cap.release()


def _opencv_frames(path: str, wanted: Callable[[int], bool],
                   last: int | None = None) -> Iterator[tuple[int, np.ndarray | None]]:
    """Decode a video from its start: ``(index, BGR image)`` for the frames ``wanted(index)`` accepts,
    ``(index, None)`` for the others (skipped without decoding them into an image), up to frame ``last`` or
    the end of the video. Sequential on purpose: ``CAP_PROP_POS_FRAMES`` seeking is not frame-accurate for
    every codec."""
    with _capture(path) as cap:
        idx = 0
        while last is None or idx <= last:
            if wanted(idx):
                ok, img = cap.read()
                if not ok or img is None:
                    return
                yield idx, img
            else:
                if not cap.grab():
                    return
                yield idx, None
            idx += 1


# ---------------------------------------------------------------------------------- frame counts (backends)
def _count_decord(path: str) -> int:
    import decord

    return len(decord.VideoReader(path, num_threads=1))


def _count_pyav(path: str) -> int:
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        if stream.frames:
            return int(stream.frames)
        # the container does not store it: count the video packets (no decoding)
        return sum(1 for p in container.demux(stream) if p.size)


def _count_opencv(path: str) -> int:
    import cv2

    with _capture(path) as cap:
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    if n <= 0:
        raise RuntimeError('OpenCV reports no frames')
    return n


_COUNTERS = {'decord': _count_decord, 'pyav': _count_pyav, 'opencv': _count_opencv}


def count_frames(path: str, backend: str = 'auto', clip: str | None = None) -> int:
    """Number of frames of a video (as its container's index says) or of image files in a frame folder."""
    try:
        kind = source_kind(path)
    except FileNotFoundError:
        raise VideoReadError(f'{_where(clip, path)} does not exist') from None
    if kind == 'frames':
        n = len(frame_files(path))
        if n == 0:
            raise VideoReadError(f'{_where(clip, path)}: folder has no image files {IMAGE_EXTS}')
        return n
    errors = []
    for b in _backends(backend):
        try:
            return _COUNTERS[b](path)
        except Exception as e:  # each backend raises its own types; the next one is tried
            errors.append(f'{b}: {_short(e)}')
    raise VideoReadError(f'{_where(clip, path)} cannot be read as a video ({"; ".join(errors)})')


# ----------------------------------------------------------------------------------- chosen frames (RGB)
def _read_decord(path: str, wanted: list[int]) -> tuple[dict[int, np.ndarray], int]:
    import decord

    vr = decord.VideoReader(path, num_threads=1)
    n = len(vr)
    if wanted[-1] >= n:
        return {}, n
    frames = vr.get_batch(wanted).asnumpy()
    return dict(zip(wanted, frames)), n


def _read_pyav(path: str, wanted: list[int]) -> tuple[dict[int, np.ndarray], int]:
    import av

    need, out, n = set(wanted), {}, 0
    with av.open(path) as container:
        container.streams.video[0].thread_type = 'AUTO'
        for idx, frame in enumerate(container.decode(video=0)):
            n = idx + 1
            if idx in need:
                out[idx] = frame.to_ndarray(format='rgb24')
            if idx >= wanted[-1]:
                break
    return out, n


def _read_opencv(path: str, wanted: list[int]) -> tuple[dict[int, np.ndarray], int]:
    import cv2

    out, n = {}, 0
    for idx, img in _opencv_frames(path, set(wanted).__contains__, last=wanted[-1]):
        n = idx + 1
        if img is not None:
            out[idx] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return out, n


_READERS = {'decord': _read_decord, 'pyav': _read_pyav, 'opencv': _read_opencv}


def _read_folder(path: str, wanted: list[int], clip: str | None) -> dict[int, np.ndarray]:
    import cv2

    files = frame_files(path)
    if not files:
        raise VideoReadError(f'{_where(clip, path)}: folder has no image files {IMAGE_EXTS}')
    if wanted[-1] >= len(files):
        raise VideoReadError(f'{_where(clip, path)} has {len(files)} frames, but frame {wanted[-1]} is needed')
    out = {}
    for i in wanted:
        img = cv2.imread(files[i], cv2.IMREAD_COLOR)
        if img is None:
            raise VideoReadError(f'{_where(clip, path)}: frame {i} ({os.path.basename(files[i])}) is unreadable')
        out[i] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return out


def read_frames(path: str, frame_inds: Sequence[int] | np.ndarray, backend: str = 'auto',
                clip: str | None = None) -> list[np.ndarray]:
    """The frames ``frame_inds`` (0-based, any order, repeats allowed) of a video or frame folder, as RGB
    ``uint8`` ``[H, W, 3]`` arrays in the order asked for.

    Raises :class:`VideoReadError` naming ``clip`` and ``path`` when the source is missing, cannot be decoded
    by any backend tried, or has fewer frames than needed.
    """
    inds = np.asarray(frame_inds, dtype=np.int64).reshape(-1)
    if inds.size == 0:
        return []
    if inds.min() < 0:
        raise VideoReadError(f'{_where(clip, path)}: negative frame index {int(inds.min())}')
    wanted = sorted({int(i) for i in inds})  # decode each frame once, in file order
    try:
        kind = source_kind(path)
    except FileNotFoundError:
        raise VideoReadError(f'{_where(clip, path)} does not exist') from None
    if kind == 'frames':
        got = _read_folder(path, wanted, clip)
    else:
        errors, got = [], None
        for b in _backends(backend):
            try:
                got, n = _READERS[b](path, wanted)
            except Exception as e:  # each backend raises its own types; the next one is tried
                errors.append(f'{b}: {_short(e)}')
                continue
            if len(got) < len(wanted):
                raise VideoReadError(f'{_where(clip, path)} has {n} decodable frames ({b}), but frame '
                                     f'{wanted[-1]} is needed: video shorter than its skeleton?')
            break
        if got is None:
            raise VideoReadError(f'{_where(clip, path)} cannot be decoded ({"; ".join(errors)})')
    shapes = {got[i].shape for i in wanted}
    if len(shapes) > 1:
        raise VideoReadError(f'{_where(clip, path)}: frames of different sizes {sorted(shapes)}')
    return [got[int(i)] for i in inds]


# ------------------------------------------------------------------------------ every frame in order (BGR)
@dataclass
class VideoInfo:
    img_shape: tuple[int, int]
    fps: float | None
    num_frames: int | None   # as the container reports it (may be approximate)


def probe(path: str) -> VideoInfo:
    """Size, fps and frame count of a video or frame folder, without decoding it all."""
    import cv2

    if os.path.isdir(path):
        files = frame_files(path)
        for f in files:
            img = cv2.imread(f)
            if img is not None:
                return VideoInfo(img.shape[:2], None, len(files))
        raise VideoReadError(f'{path}: no readable image among {len(files)} frame files')
    with _capture(path) as cap:
        ok, frame = cap.read()
        if not ok or frame is None:
            raise VideoReadError(f'{path}: the video has no decodable frame')
        fps = cap.get(cv2.CAP_PROP_FPS) or None
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        return VideoInfo(frame.shape[:2], float(fps) if fps else None, n)


def iter_frames(path: str, stride: int = 1, max_frames: int | None = None,
                bad_frames: list | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(frame index, BGR image)`` for every ``stride``-th frame of a video or frame folder, at most
    ``max_frames`` of them. Unreadable images in a frame folder are skipped and their indices appended to
    ``bad_frames``; a video ends at its first undecodable frame."""
    import cv2

    if stride < 1:
        raise ValueError(f'stride must be >= 1, got {stride}')
    count = 0
    if os.path.isdir(path):
        for idx, f in enumerate(frame_files(path)):
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
    if max_frames is not None and max_frames <= 0:
        return
    for idx, img in _opencv_frames(path, lambda i: i % stride == 0):
        if img is None:
            continue
        yield idx, img
        count += 1
        if max_frames is not None and count >= max_frames:
            return   # before decoding a frame nobody asked for
