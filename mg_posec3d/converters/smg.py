"""SMG (Spontaneous Micro-Gesture, Kinect v2) skeletons -> kinect25 clips and long sequences with segments.

Facts from the authors' public code (mikecheninoulu/SMG: ``SMGaccessSample.py``, ``smg_gendata.py``,
``mg_read_skeleton.py``):

* ``SampleNNNN/SampleNNNN_skeleton.csv``: one frame per row, no header, 25 joints x 11 values in Kinect v2
  JointType order (``layouts.KINECT25_JOINTS``). Values ``[0:3]`` are camera-space x, y, z in metres (the only
  ones the authors' scripts read), ``[3:7]`` the joint orientation, ``[7:9]`` and ``[9:11]`` unnamed (probably
  depth-image and colour-image pixels). Frame ``n`` (1-based) is row ``n``.
* ``SampleNNNN_finelabels.csv``: rows ``label,start,end``, label 1..17 (class = label - 1), 1-based frames, end
  included (:func:`mg_posec3d.annotations.read_label_csv`, format ``smg``).
* ``SampleNNNN_data.csv``: ``numFrames,fps,maxDepth``.
* 40 samples, one subject each. The paper trains on subjects 1-35 and tests on 36-40; MiGA 2023 trained on
  Sample0001-0030 and validated on Sample0031-0035 (:data:`PROTOCOLS`).

2D keypoints come from x, y, z by a pinhole projection. Kinect's camera space has its origin at the depth (IR)
sensor, X to the sensor's left, Y up, Z forward; the SDK's images are mirror views, so a point maps to
``u = cx + fx * X / Z``, ``v = cy - fy * Y / Z``. The default uses the **depth camera's** intrinsics (fx = fy
~ 365, cx = 256, cy = 212; a 512x424 image): camera space is that camera's own frame, so this is the
projection the sensor itself makes, up to lens distortion. The colour camera's intrinsics (1081.37, 959.5,
539.5; 1920x1080) are offered too but ignore the ~5 cm offset between the two cameras, which the files do not
give. ``colour-pixels`` takes columns ``[9:11]`` as they are, for users who checked that they are colour pixels.
Kinect gives no per-joint confidence here: a joint with a valid point (finite, in front of the camera, inside
the image) gets score 1, an untracked body (all zeros) score 0.
"""
from __future__ import annotations

import csv
import glob
import os
import re
from dataclasses import dataclass

import numpy as np

from ..annotations import (
    ConversionReport,
    PoseRecord,
    make_annotations,
    make_sequence_annotation,
    read_label_csv,
)
from ..layouts import KINECT_V2

NUM_JOINTS = 25
VALUES_PER_JOINT = 11
ROW_VALUES = NUM_JOINTS * VALUES_PER_JOINT  # 275
PROTOCOLS: dict[str, dict[str, range]] = {
    'paper': {'train': range(1, 36), 'test': range(36, 41)},
    'miga': {'train': range(1, 31), 'val': range(31, 36), 'test': range(36, 41)},
}
_SAMPLE = re.compile(r'^Sample(\d+)$')
# the 17 class names with their raw ids 1..17 (mg_posec3d/data/README.md says where they come from)
SMG_LABELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data', 'label_names',
                          'smg_labels.txt')


@dataclass(frozen=True)
class Intrinsics:
    """A pinhole camera: focal lengths and principal point in pixels, and its image size (h, w)."""

    fx: float
    fy: float
    cx: float
    cy: float
    img_shape: tuple[int, int]


# Kinect v2 nominal intrinsics (per-device values differ by a few pixels)
KINECT_DEPTH = Intrinsics(365.0, 365.0, 256.0, 212.0, (424, 512))
KINECT_COLOUR = Intrinsics(1081.37, 1081.37, 959.5, 539.5, (1080, 1920))
PROJECTIONS = ('depth', 'colour', 'colour-pixels')


def read_skeleton_csv(path: str) -> np.ndarray:
    """``[T, 25, 11]`` float64 of a ``SampleNNNN_skeleton.csv``; errors name the file, line and column."""
    rows = []
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.reader(f)
        try:
            for cells in reader:
                while cells and cells[-1].strip() == '':
                    cells = cells[:-1]
                if not cells:
                    continue
                if len(cells) != ROW_VALUES:
                    raise ValueError(f'{path}: line {reader.line_num} has {len(cells)} values; expected {ROW_VALUES} '
                                     f'(25 Kinect joints x 11: x, y, z, 4 orientation, 2 + 2 pixel values)')
                try:
                    rows.append([float(c) for c in cells])
                except ValueError:
                    col = next(i for i, c in enumerate(cells) if not _is_float(c))
                    raise ValueError(f'{path}: line {reader.line_num}, column {col + 1}: {cells[col]!r} is not a '
                                     'number (the skeleton csv has no header)') from None
        except csv.Error as e:
            raise ValueError(f'{path}: line {reader.line_num}: not a csv file: {e}') from None
    if not rows:
        raise ValueError(f'{path}: no skeleton rows')
    return np.asarray(rows, np.float64).reshape(len(rows), NUM_JOINTS, VALUES_PER_JOINT)


def _is_float(c: str) -> bool:
    try:
        float(c)
    except ValueError:
        return False
    return True


def project(xyz: np.ndarray, cam: Intrinsics) -> tuple[np.ndarray, np.ndarray]:
    """Camera-space points ``[..., 3]`` (metres) -> pixels ``[..., 2]`` and a validity mask (finite, Z > 0)."""
    xyz = np.asarray(xyz, np.float64)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    valid = np.isfinite(xyz).all(-1) & (z > 0)
    safe_z = np.where(valid, z, 1.0)
    uv = np.stack([cam.cx + cam.fx * x / safe_z, cam.cy - cam.fy * y / safe_z], -1)
    uv[~valid] = 0
    return uv.astype(np.float32), valid


def read_data_csv(path: str) -> dict:
    """``{'numFrames', 'fps', 'maxDepth'}`` of a ``SampleNNNN_data.csv`` (its first row)."""
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.reader(f):
            cells = [c.strip() for c in row if c.strip()]
            if not cells:
                continue
            try:
                vals = [float(c) for c in cells[:3]]
            except ValueError:
                vals = []
            if len(vals) != 3:
                raise ValueError(f'{path}: expected "numFrames,fps,maxDepth", got {row!r}')
            return dict(numFrames=int(vals[0]), fps=vals[1], maxDepth=vals[2])
    raise ValueError(f'{path}: empty')


def load_smg_sample(folder: str, projection: str = 'depth') -> PoseRecord:
    """One ``SampleNNNN`` folder's skeleton as a :class:`PoseRecord` in source layout ``kinect_v2`` (frame ``n``
    of the csv, 1-based, is ``frame_inds`` ``n - 1``)."""
    name = os.path.basename(os.path.normpath(folder))
    arr = read_skeleton_csv(os.path.join(folder, f'{name}_skeleton.csv'))
    if projection == 'colour-pixels':
        cam = KINECT_COLOUR
        uv = arr[..., 9:11].astype(np.float32)
        valid = np.isfinite(uv).all(-1) & (np.abs(uv).sum(-1) > 0) & (arr[..., 2] > 0)
    elif projection in ('depth', 'colour'):
        cam = KINECT_DEPTH if projection == 'depth' else KINECT_COLOUR
        uv, valid = project(arr[..., :3], cam)
    else:
        raise ValueError(f'unknown projection {projection!r}; use one of {PROJECTIONS}')
    data_csv = os.path.join(folder, f'{name}_data.csv')
    fps = read_data_csv(data_csv)['fps'] if os.path.isfile(data_csv) else None
    return PoseRecord(name, uv, valid.astype(np.float32), cam.img_shape, KINECT_V2.name, fps=fps,
                      path=folder, video_frames=len(arr), meta={'projection': projection})


def find_samples(root: str) -> list[tuple[int, str]]:
    """``(number, folder)`` of every ``SampleNNNN/`` folder under ``root``, in number order."""
    out = []
    for path in glob.glob(os.path.join(glob.escape(root), 'Sample*')):
        m = _SAMPLE.match(os.path.basename(path))
        if m and os.path.isdir(path):
            out.append((int(m.group(1)), path))
    if not out:
        raise FileNotFoundError(f'{root}: no SampleNNNN/ folders (SMG layout: Sample0001/Sample0001_skeleton.csv)')
    return sorted(out)


def _reason(e: Exception) -> str:
    """Our ValueErrors name the file; other errors get their type too."""
    return str(e) if type(e) is ValueError else f'{type(e).__name__}: {e}'


def split_of(number: int, protocol: str) -> str | None:
    try:
        splits = PROTOCOLS[protocol]
    except KeyError:
        raise ValueError(f'unknown protocol {protocol!r}; use one of {sorted(PROTOCOLS)}') from None
    return next((name for name, nums in splits.items() if number in nums), None)


def convert_smg(root: str, protocol: str = 'paper', projection: str = 'depth',
                report: ConversionReport | None = None, label_names: list[str] | None = None
                ) -> tuple[dict, dict]:
    """Clips (one per fine label, ``SampleNNNN_<k>``) and long sequences (one per sample, with ``segments``) of an
    SMG folder, both ``{'split', 'annotations', 'label_names', 'layout': 'kinect25', ...}`` with the protocol's
    splits. A sample without a label file gives a sequence without segments and no clips; a sample that cannot
    be read, or is outside the protocol, is reported and skipped."""
    if protocol not in PROTOCOLS:
        raise ValueError(f'unknown protocol {protocol!r}; use one of {sorted(PROTOCOLS)}')
    report = report if report is not None else ConversionReport()
    meta = dict(label_names=list(label_names or []), layout=KINECT_V2.target, source_layout=KINECT_V2.name,
                protocol=protocol, projection=projection)
    clips = dict(split={k: [] for k in PROTOCOLS[protocol]}, annotations=[], **meta)
    seqs = dict(split={k: [] for k in clips['split']}, annotations=[], **meta)
    for number, folder in find_samples(root):
        name = os.path.basename(folder)
        split = split_of(number, protocol)
        if split is None:
            report.skip(name, f'not a subject of protocol {protocol}')
            continue
        try:   # one bad sample is skipped and reported, whatever the error
            record = load_smg_sample(folder, projection)
        except Exception as e:  # noqa: BLE001
            report.skip(name, f'unreadable skeleton csv ({_reason(e)})')
            continue
        label_path = os.path.join(folder, f'{name}_finelabels.csv')
        labels = None
        if os.path.lexists(label_path):
            try:
                labels = read_label_csv(label_path, 'smg')
            except Exception as e:  # noqa: BLE001
                report.skip(label_path, f'unreadable finelabels csv ({_reason(e)})')
                continue
        else:
            report.skip(name, 'no finelabels csv: sequence kept without segments, no clips')
        seq = make_sequence_annotation(record, labels, skip=report.skip)
        seqs['annotations'].append(seq)
        seqs['split'][split].append(seq['frame_dir'])
        if labels:
            # every fine label gives a sample, as in the authors' generator (an untracked body gives zeros)
            anns = make_annotations(record, labels, skip=report.skip, drop_empty=False)
            report.add(anns)
            clips['annotations'] += anns
            clips['split'][split] += [a['frame_dir'] for a in anns]
    return clips, seqs
