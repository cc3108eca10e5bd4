"""Import the MiGA 2025 per-video skeleton files ``<id>_openpose.xlsx`` into miga22 annotations.

Each file holds OpenPose keypoints of one person in 720x1280 (h x w) videos: 137 points per frame, body 25
+ face 70 + left hand 21 + right hand 21 (``layouts.OPENPOSE_BODY25_FACE_HANDS``), each as (x, y, c).

Assumed sheet structure (the challenge documents the point set but not the cell layout, and no sample
file could be inspected here, so the reader checks it strictly and names the file and row when a file
differs): the first worksheet, **one row per frame**, holding the 137 x 3 = 411 numbers
``x0, y0, c0, x1, y1, c1, ...`` in the order above, optionally preceded by one frame-index column
(412 numbers). Rows whose cells are all text (headers) are skipped; empty cells in a data row count as 0
(OpenPose's "not detected"); a fully empty row is a frame without a person. Read with openpyxl in
read-only mode (values, not formulas).
"""
from __future__ import annotations

import os

import numpy as np

from ..layouts import OPENPOSE_BODY25_FACE_HANDS
from ..pose.record import PoseRecord

DEFAULT_IMG_SHAPE = (720, 1280)
NUM_POINTS = OPENPOSE_BODY25_FACE_HANDS.num_joints   # 137
ROW_VALUES = 3 * NUM_POINTS                          # 411


def _number(v) -> float | None:
    if v is None or v == '':
        return 0.0
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def read_xlsx_rows(path: str) -> list[tuple[int, list]]:
    """``(1-based row number, cell values)`` of the first worksheet."""
    try:
        from openpyxl import load_workbook
    except ImportError as e:
        raise ImportError('reading MiGA 2025 xlsx files needs openpyxl==3.1.5 (and et_xmlfile==2.0.0)') from e
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises several types for non-xlsx input
        raise ValueError(f'{path}: not a readable xlsx file: {type(e).__name__}: {e}') from e
    try:
        ws = wb.worksheets[0]
        return [(r, list(row)) for r, row in enumerate(ws.iter_rows(values_only=True), 1)]
    except Exception as e:  # read-only mode parses the sheet only now: a damaged sheet fails here
        raise ValueError(f'{path}: not a readable xlsx file: {type(e).__name__}: {e}') from e
    finally:
        wb.close()


def parse_rows(rows: list[tuple[int, list]], source: str) -> np.ndarray:
    """Rows of cells -> ``[T, 137, 3]`` float32 (see the module doc for the accepted structure)."""
    frames = []
    for r, cells in rows:
        filled = [c for c in cells if c is not None and c != '']
        if not filled:
            if frames:   # an empty row inside the data: a frame without a person
                frames.append(np.zeros((NUM_POINTS, 3), np.float32))
            continue
        vals = [_number(c) for c in cells]
        if not frames and all(_number(c) is None for c in filled):
            continue   # header row(s) before the data
        if any(v is None for v in vals):
            bad = next(i for i, v in enumerate(vals) if v is None)
            raise ValueError(f'{source}: row {r}, column {bad + 1}: {cells[bad]!r} is not a number')
        while len(vals) > ROW_VALUES and cells[len(vals) - 1] in (None, ''):
            vals.pop()   # trailing empty cells of a wider sheet
        if len(vals) == ROW_VALUES + 1:
            vals = vals[1:]   # leading frame index
        if len(vals) != ROW_VALUES:
            raise ValueError(f'{source}: row {r} has {len(vals)} values; expected {ROW_VALUES} (137 keypoints '
                             f'x (x, y, c)), optionally after a frame-index column')
        frames.append(np.asarray(vals, np.float32).reshape(NUM_POINTS, 3))
    if not frames:
        raise ValueError(f'{source}: no data rows')
    return np.stack(frames)


def load_miga2025_xlsx(path: str, img_shape: tuple[int, int] = DEFAULT_IMG_SHAPE, name: str | None = None,
                       fps: float | None = None) -> PoseRecord:
    """One ``<id>_openpose.xlsx`` as a :class:`PoseRecord` (source ``openpose_body25_face_hands``)."""
    arr = parse_rows(read_xlsx_rows(path), path)
    if name is None:
        stem = os.path.splitext(os.path.basename(path))[0]
        name = stem[:-len('_openpose')] if stem.endswith('_openpose') else stem
    return PoseRecord(name, arr[..., :2], arr[..., 2], img_shape, OPENPOSE_BODY25_FACE_HANDS.name,
                      frame_inds=np.arange(len(arr)), fps=fps, path=path, video_frames=len(arr))
