"""MiGA 2023 skeleton data -> PYSKL annotation pickles in the miga22 layout.

Two inputs are supported:

* raw folders, one pair of files per long video: ``<id>_light_hand.csv`` (a leading frame column, then 25
  OpenPose BODY_25 joints x (x, y, c), then 5 right-finger and 5 left-finger points x (x, y, c)) and
  ``<id>_label.csv`` (rows ``gestureID,start,end``; 1-based ids, raw 99 = "illustrative" = class 31; read by
  :func:`mg_posec3d.annotations.read_label_csv` in its ``imigue`` format). Clips
  are cut from ``start`` to ``end`` (inclusive, matched against the csv's leading frame column) and named
  ``<id>_<k>`` (k = 0-based row of the label file, as the challenge's test ids, e.g. ``0054_0``).
  Test folders have no label files: each video becomes one unlabelled clip (label -1) named ``<id>``.
* the challenge's preprocessed arrays ``<split>_data.npy`` [N, 3, T, 22, M] (x, y, score; already miga22)
  with ``<split>_label.pkl`` = (names, labels), the files the 2023 winning team trained from.
"""
from __future__ import annotations

import csv
import glob
import os

import numpy as np

from ..annotations import ConversionReport, build_annotation, read_label_csv
from ..fileio import safe_load_pickle
from ..layouts import MIGA_LIGHT_HAND, map_keypoints

IMIGUE_IMG_SHAPE = (1080, 1920)


def _numeric_rows(path: str) -> list[list[float]]:
    rows = []
    with open(path, newline='') as f:
        reader = csv.reader(f)
        try:
            for i, row in enumerate(reader):
                row = [c.strip() for c in row if c.strip() != '']
                if not row:
                    continue
                try:
                    rows.append([float(c) for c in row])
                except ValueError:
                    if i == 0:  # a header line
                        continue
                    raise ValueError(f'{path}: line {i + 1} is not numeric: {row[:4]}...') from None
        except csv.Error as e:   # e.g. a field over the csv module's size limit: not a skeleton csv
            raise ValueError(f'{path}: line {reader.line_num}: not a csv file: {e}') from None
    return rows


def read_light_hand_csv(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (frame numbers [T], keypoint [T, 22, 2], score [T, 22]) in miga22."""
    rows = _numeric_rows(path)
    width = 1 + 3 * MIGA_LIGHT_HAND.num_joints
    bad = [i for i, r in enumerate(rows) if len(r) != width]
    if bad:
        raise ValueError(f'{path}: row {bad[0] + 1} has {len(rows[bad[0]])} values, expected {width} '
                         f'(frame + {MIGA_LIGHT_HAND.num_joints} points x (x, y, c))')
    if not rows:
        raise ValueError(f'{path}: no skeleton rows')
    arr = np.asarray(rows, np.float32)
    pts = arr[:, 1:].reshape(len(arr), MIGA_LIGHT_HAND.num_joints, 3)
    kp, sc = map_keypoints(pts[..., :2], pts[..., 2], MIGA_LIGHT_HAND)
    return arr[:, 0].astype(np.int64), kp, sc


def _reason(e: Exception) -> str:
    """The message of a per-file error; the type too when it is not one of our ValueErrors (which name the
    file themselves)."""
    return str(e) if type(e) is ValueError else f'{type(e).__name__}: {e}'


def iter_raw_folder(folder: str, report: ConversionReport):
    """``(video id, frame numbers, keypoint, score, label csv path or None)`` of every readable
    ``*_light_hand.csv`` of ``folder`` (unreadable ones are reported and skipped)."""
    files = sorted(glob.glob(os.path.join(folder, '*_light_hand.csv')))
    if not files:
        raise FileNotFoundError(f'{folder}: no *_light_hand.csv files')
    for path in files:
        vid = os.path.basename(path)[:-len('_light_hand.csv')]
        # one bad file is skipped and reported, whatever the error (unreadable link, a bug): the batch goes on
        try:
            frames, kp, sc = read_light_hand_csv(path)
        except Exception as e:  # noqa: BLE001
            report.skip(path, f'unreadable skeleton csv ({_reason(e)})')
            continue
        label_path = os.path.join(folder, f'{vid}_label.csv')
        yield vid, frames, kp, sc, (label_path if os.path.lexists(label_path) else None)


def convert_raw_folder(folder: str, report: ConversionReport | None = None) -> list[dict]:
    """Convert every ``*_light_hand.csv`` of ``folder`` (clips cut by the matching ``*_label.csv``)."""
    report = report if report is not None else ConversionReport()
    annos = []
    for vid, frames, kp, sc, label_path in iter_raw_folder(folder, report):
        if label_path is None:
            annos.append(build_annotation(vid, kp, sc, IMIGUE_IMG_SHAPE, frame_inds=frames, video=vid))
            report.clips += 1
            report.frames += len(frames)
            continue
        try:
            labels = read_label_csv(label_path, 'imigue')
        except Exception as e:  # noqa: BLE001
            report.skip(label_path, f'unreadable label csv ({_reason(e)})')
            continue
        for k, (label, start, end) in enumerate(labels):
            sel = (frames >= start) & (frames <= end)
            if not sel.any():
                report.skip(f'{vid}_{k}', f'clip frames {start}..{end} outside the skeleton csv frames '
                            f'{frames.min()}..{frames.max()}')
                continue
            annos.append(build_annotation(f'{vid}_{k}', kp[sel], sc[sel], IMIGUE_IMG_SHAPE, label,
                                          frame_inds=frames[sel], video=vid))
            report.clips += 1
            report.frames += int(sel.sum())
    return annos


def convert_challenge_arrays(data_npy: str, label_pkl: str, report: ConversionReport | None = None,
                             labelled: bool = True) -> list[dict]:
    """Convert the challenge's ``<split>_data.npy`` [N, 3, T, V, M] + ``<split>_label.pkl`` (names, labels)."""
    report = report if report is not None else ConversionReport()
    data = np.load(data_npy, mmap_mode='r', allow_pickle=False)
    if data.ndim != 5 or data.shape[1] != 3:
        raise ValueError(f'{data_npy}: expected [N, 3 (x, y, score), T, V, M], got {data.shape}')
    meta = safe_load_pickle(label_pkl)
    if not (isinstance(meta, (tuple, list)) and len(meta) >= 2 and len(meta[0]) == len(meta[1]) == len(data)):
        raise ValueError(f'{label_pkl}: expected (names, labels) with {len(data)} entries each')
    names, labels = meta[0], meta[1]
    annos = []
    for i, name in enumerate(names):
        arr = np.asarray(data[i], np.float32)  # 3, T, V, M
        kp = arr[:2].transpose(3, 1, 2, 0)     # M, T, V, 2
        sc = arr[2].transpose(2, 0, 1)         # M, T, V
        keep = sc.reshape(sc.shape[0], -1).max(1) > 0  # drop all-zero padding persons
        if not keep.any():
            report.skip(str(name), 'no keypoints with a positive score')
            continue
        try:
            label = int(labels[i]) if labelled else -1
        except (TypeError, ValueError, OverflowError):   # one bad entry skips that sample, not the split
            report.skip(str(name), f'{label_pkl}: label of entry {i} is not an integer: {labels[i]!r}')
            continue
        annos.append(build_annotation(str(name), kp[keep], sc[keep], IMIGUE_IMG_SHAPE, label))
        report.clips += 1
        report.frames += kp.shape[1]
    return annos
