"""Video fixtures for the RGB tests, generated at test time.

- Coded videos (generated, not real): frame ``i`` shows ``i`` in binary as black/white vertical bars, so the
  index of any decoded frame can be read back exactly, whatever the decoder.
- Clips cut from the real videos in tests/data/videos (mmaction2 demo videos, Apache-2.0): frames
  ``start .. start + n - 1`` re-encoded as a new file.
"""
from __future__ import annotations

import os

import cv2
import numpy as np

REAL_VIDEOS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data', 'videos')
BASKETBALL = os.path.join(REAL_VIDEOS, 'basketball_426x240.mp4')
ARM_WRESTLING = os.path.join(REAL_VIDEOS, 'arm_wrestling_340x256.mp4')
BITS = 9   # frame indices up to 511
BAR = 10   # bar width in pixels


def coded_frame(i: int, height: int = 48) -> np.ndarray:
    """Frame ``i``: bar ``b`` is white when bit ``b`` of ``i`` is set (BGR, as OpenCV writes it)."""
    img = np.zeros((height, BITS * BAR, 3), np.uint8)
    for b in range(BITS):
        if (i >> b) & 1:
            img[:, b * BAR:(b + 1) * BAR] = 255
    return img


def read_code(img: np.ndarray) -> int:
    """The index shown by a (decoded, possibly compressed or resized) coded frame."""
    h, w = img.shape[:2]
    bar = w / BITS
    row = img[h // 2].astype(np.float32).mean(-1)
    return sum(int(row[int((b + 0.5) * bar)] > 127) << b for b in range(BITS))


def write_video(path: str, frames, fps: float = 25.0) -> str:
    frames = list(frames)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    assert writer.isOpened(), 'OpenCV cannot write mp4v here'
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def write_coded_video(path: str, n: int, height: int = 48) -> str:
    return write_video(path, (coded_frame(i, height) for i in range(n)))


def write_coded_frames(folder: str, n: int, tmpl: str = 'img_{:05d}.jpg') -> str:
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        cv2.imwrite(os.path.join(folder, tmpl.format(i + 1)), coded_frame(i))
    return folder


def real_frames(src: str, start: int, n: int) -> list[np.ndarray]:
    """Frames ``start .. start + n - 1`` of a real video (BGR), decoded sequentially."""
    cap = cv2.VideoCapture(src)
    out, i = [], 0
    while len(out) < n:
        ok, frame = cap.read()
        assert ok, f'{src} has fewer than {start + n} frames'
        if i >= start:
            out.append(frame)
        i += 1
    cap.release()
    return out


def cut_real_clip(src: str, dst: str, start: int, n: int) -> str:
    return write_video(dst, real_frames(src, start, n))
