"""MiGA 2025 track 1 (iMiGUE) skeletons: ``<id>_openpose.xlsx`` + ``<id>_label.csv`` -> miga22 annotations.

Read as the 2025 winners read them (momiji-bit/MM-Gesture, ``dataset/tools/processing_Skeleton.ipynb``:
``pd.read_excel(..., header=None)``, then one frame per row):

* ``<id>_openpose.xlsx``: first worksheet, **no header row, no frame column, one frame per row**, 411 numbers =
  (x, y, confidence) of 137 OpenPose keypoints: body 25, face 70, left hand 21, right hand 21
  (``layouts.OPENPOSE_BODY25_FACE_HANDS``). Row ``r`` (1-based) is frame ``r - 1``. Videos are 720x1280 (h x w).
  An empty cell counts as 0 (OpenPose's "not detected"); an empty row inside the data is a frame without a
  person (dropping it would shift every later frame); empty rows after the data are ignored. Anything else (a
  header, a frame-index column, text, another width) is an error naming the file, row and column.
* ``<id>_label.csv``: rows ``class,start,end``, 0-based frames, end included; raw 99 -> class 31, otherwise
  class - 1 (:func:`mg_posec3d.annotations.read_label_csv`, format ``miga2025``). Clip ``k`` (0-based row) is
  ``<id>_<k>``.
* Folders: ``imigue_skeleton_train/<id>/``, ``imigue_skeleton_validate/<id>/`` (phase 1) and
  ``imigue_skeleton_test/<id>/`` (phase 2), each ``<id>/`` holding ``<id>_openpose.xlsx`` and ``<id>_label.csv``.
"""
from __future__ import annotations

import os

import numpy as np

from ..annotations import ConversionReport, PoseRecord, find_label_csv, make_annotations, read_label_csv
from ..layouts import OPENPOSE_BODY25_FACE_HANDS

DEFAULT_IMG_SHAPE = (720, 1280)
NUM_POINTS = OPENPOSE_BODY25_FACE_HANDS.num_joints   # 137
ROW_VALUES = 3 * NUM_POINTS                          # 411
# folder name in the challenge's release -> our split name
SPLIT_FOLDERS = {'imigue_skeleton_train': 'train', 'imigue_skeleton_validate': 'val', 'imigue_skeleton_test': 'test'}


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
        raise ImportError('reading MiGA 2025 xlsx files needs openpyxl (pip install "mg_posec3d[xlsx]")') from e
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
    """Rows of cells -> ``[T, 137, 3]`` float32, frame ``t`` = row ``t + 1`` (see the module doc)."""
    while rows and all(c is None or c == '' for c in rows[-1][1]):
        rows = rows[:-1]   # empty rows after the data (a sheet's stated size can exceed its data)
    if not rows:
        raise ValueError(f'{source}: no data rows')
    frames = np.zeros((len(rows), NUM_POINTS, 3), np.float32)
    for t, (r, cells) in enumerate(rows):
        while cells and (cells[-1] is None or cells[-1] == ''):
            cells = cells[:-1]
        if not cells:
            continue   # a frame without a person
        vals = [_number(c) for c in cells]
        if None in vals:
            col = vals.index(None)
            hint = ' (the MiGA 2025 xlsx has no header row)' if r == 1 else ''
            raise ValueError(f'{source}: row {r}, column {col + 1}: {cells[col]!r} is not a number{hint}')
        if len(vals) != ROW_VALUES:
            raise ValueError(f'{source}: row {r} has {len(vals)} values; expected {ROW_VALUES} (137 keypoints x '
                             '(x, y, confidence), no frame column)')
        frames[t] = np.asarray(vals, np.float32).reshape(NUM_POINTS, 3)
    return frames


def load_miga2025_xlsx(path: str, img_shape: tuple[int, int] = DEFAULT_IMG_SHAPE, name: str | None = None,
                       fps: float | None = None) -> PoseRecord:
    """One ``<id>_openpose.xlsx`` as a :class:`PoseRecord` (source ``openpose_body25_face_hands``)."""
    arr = parse_rows(read_xlsx_rows(path), path)
    if name is None:
        stem = os.path.splitext(os.path.basename(path))[0]
        name = stem[:-len('_openpose')] if stem.endswith('_openpose') else stem
    return PoseRecord(name, arr[..., :2], arr[..., 2], img_shape, OPENPOSE_BODY25_FACE_HANDS.name,
                      frame_inds=np.arange(len(arr)), fps=fps, path=path, video_frames=len(arr))


def _reason(e: Exception) -> str:
    return str(e) if type(e) is ValueError else f'{type(e).__name__}: {e}'


def convert_miga2025_folder(folder: str, report: ConversionReport | None = None, labelled: bool = True,
                            img_shape: tuple[int, int] = DEFAULT_IMG_SHAPE) -> list[dict]:
    """Clips ``<id>_<k>`` of every ``<id>/<id>_openpose.xlsx`` of a split folder, cut by ``<id>_label.csv``.

    Every label row gives a clip, also one without a detected person (a submission must list every test id);
    a row whose frames lie outside the xlsx, an unreadable xlsx or label csv, or a video without a label csv
    is reported and skipped. ``labelled=False`` (a test set): the csv's class column is not read, labels are -1.
    """
    report = report if report is not None else ConversionReport()
    vids = sorted(d for d in os.listdir(folder) if os.path.isfile(os.path.join(folder, d, f'{d}_openpose.xlsx')))
    if not vids:
        raise FileNotFoundError(f'{folder}: no <id>/<id>_openpose.xlsx files (MiGA 2025 layout: '
                                'imigue_skeleton_train/0001/0001_openpose.xlsx)')
    annos = []
    for vid in vids:
        xlsx = os.path.join(folder, vid, f'{vid}_openpose.xlsx')
        label_csv = find_label_csv(folder, vid)
        if label_csv is None:
            report.skip(vid, f'no {vid}_label.csv next to the xlsx')
            continue
        # one bad file is skipped and reported, whatever the error: the batch goes on
        try:
            labels = read_label_csv(label_csv, 'miga2025', labelled=labelled)
        except Exception as e:  # noqa: BLE001
            report.skip(label_csv, f'unreadable label csv ({_reason(e)})')
            continue
        try:
            record = load_miga2025_xlsx(xlsx, img_shape, name=vid)
        except Exception as e:  # noqa: BLE001
            report.skip(xlsx, f'unreadable xlsx ({_reason(e)})')
            continue
        clips = make_annotations(record, labels, skip=report.skip, drop_empty=False)
        report.add(clips)
        annos += clips
    return annos


def find_split_folders(root: str, max_depth: int = 3) -> dict[str, str]:
    """``{split: folder}`` of the ``imigue_skeleton_{train,validate,test}`` folders at most ``max_depth`` levels
    below ``root`` (the phase-1 release nests them in ``imigue_data_phase1/datasets/``)."""
    found: dict[str, list[str]] = {}
    root = os.path.normpath(root)
    for here, dirs, _ in os.walk(root):
        depth = here[len(root):].count(os.sep)
        for d in dirs:
            if d in SPLIT_FOLDERS:
                found.setdefault(SPLIT_FOLDERS[d], []).append(os.path.join(here, d))
        if depth >= max_depth - 1:
            dirs[:] = []
        else:
            dirs[:] = sorted(d for d in dirs if d not in SPLIT_FOLDERS)
    twice = {k: v for k, v in found.items() if len(v) > 1}
    if twice:
        raise ValueError(f'{root}: several folders for one split: {twice}; give them with --split NAME=PATH')
    if not found:
        raise FileNotFoundError(f'{root}: no {"/".join(SPLIT_FOLDERS)} folder within {max_depth} levels')
    return {k: v[0] for k, v in sorted(found.items(), key=lambda kv: ('train', 'val', 'test').index(kv[0]))}
