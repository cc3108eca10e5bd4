"""Drawing miga22 skeletons (``layouts.MIGA22.limbs``) on frames and writing overlay videos."""
from __future__ import annotations

import contextlib
from collections.abc import Iterable

import numpy as np

from ..fileio import atomic_path
from ..layouts import MIGA22, Layout

# BGR colours: image-left side (the person's right) orange, image-right side blue, centre/face green.
LEFT_COLOUR = (0, 128, 255)
RIGHT_COLOUR = (255, 128, 0)
CENTRE_COLOUR = (0, 200, 0)


def _colour(layout: Layout, a: int, b: int) -> tuple[int, int, int]:
    if a in layout.left or b in layout.left:
        return LEFT_COLOUR
    if a in layout.right or b in layout.right:
        return RIGHT_COLOUR
    return CENTRE_COLOUR


def draw_skeleton(frame: np.ndarray, keypoint: np.ndarray, score: np.ndarray, layout: Layout = MIGA22,
                  thr: float = 0.05, bbox: np.ndarray | None = None) -> np.ndarray:
    """Draw one person's limbs and joints (``keypoint [V, 2]``, ``score [V]``) on a copy of ``frame``;
    joints with score <= ``thr`` and the limbs touching them are left out."""
    import cv2

    img = frame.copy()
    scale = max(1, round(max(img.shape[:2]) / 320))
    pts = [tuple(int(round(v)) for v in p) for p in keypoint]
    ok = np.asarray(score) > thr
    if bbox is not None:
        x1, y1, x2, y2 = (int(round(v)) for v in bbox)
        cv2.rectangle(img, (x1, y1), (x2, y2), (200, 200, 200), 1)
    for a, b in layout.limbs:
        if ok[a] and ok[b]:
            cv2.line(img, pts[a], pts[b], _colour(layout, a, b), 2 * scale, cv2.LINE_AA)
    for j in np.flatnonzero(ok):
        cv2.circle(img, pts[j], 2 * scale, _colour(layout, j, j), -1, cv2.LINE_AA)
    return img


def put_lines(frame: np.ndarray, lines: Iterable[str], origin: tuple[int, int] = (6, 6)) -> np.ndarray:
    """Write text lines on a dark band in the top-left corner (in place; returns the frame)."""
    import cv2

    lines = list(lines)
    if not lines:
        return frame
    fs = max(0.35, frame.shape[0] / 720)
    th = int(round(22 * fs / 0.6))
    width = max(cv2.getTextSize(s, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)[0][0] for s in lines) + 8
    x, y = origin
    band = frame[y:y + th * len(lines) + 6, x:x + width]
    band[:] = (band * 0.4).astype(frame.dtype)
    for i, s in enumerate(lines):
        cv2.putText(frame, s, (x + 4, y + th * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, fs, (255, 255, 255), 1,
                    cv2.LINE_AA)
    return frame


class VideoWriter:
    """A cv2 mp4 writer that checks it opened and names the file in its errors. Written atomically
    (:func:`mg_posec3d.fileio.atomic_path`): frames go to a temporary file next to ``path``, renamed over
    ``path`` when the writer is closed without an error; an error (or Ctrl-C) inside the ``with`` block
    removes it and leaves an existing ``path`` as it was."""

    def __init__(self, path: str, fps: float, size_wh: tuple[int, int]):
        import cv2

        self.path = path
        self._files = contextlib.ExitStack()
        tmp = self._files.enter_context(atomic_path(path))  # same extension: cv2 picks the container by it
        self._w = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), float(fps or 25), size_wh)
        if not self._w.isOpened():
            error = OSError(f'{path}: cannot open a video writer (mp4v) for {size_wh[0]}x{size_wh[1]}')
            self._files.__exit__(OSError, error, None)  # removes the temporary file
            raise error
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        self._w.write(frame)
        self.frames += 1

    def close(self, exc_info: tuple = (None, None, None)) -> None:
        """Finish the file: rename it over ``path``, or with ``exc_info`` of an error, remove it."""
        self._w.release()
        self._files.__exit__(*exc_info)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close(exc_info)
