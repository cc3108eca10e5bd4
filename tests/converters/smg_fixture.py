"""SMG sample folders in the exact published format, with GENERATED values (not SMG data).

``SampleNNNN/SampleNNNN_skeleton.csv``: one frame per row, no header, 25 Kinect v2 joints (JointType order) x 11
values: camera-space x, y, z (metres; X to the sensor's left, Y up, Z forward), orientation w, x, y, z, two
depth-image pixel values and two colour-image pixel values. ``SampleNNNN_finelabels.csv``: ``label,start,end``
(1-based ids and frames). ``SampleNNNN_data.csv``: ``numFrames,fps,maxDepth``.

The body is a person 2.5 m in front of the sensor, facing it (their left side at the sensor's right, X < 0),
arms down; over the frames the right hand rises to the neck (a made-up "touching neck"). The pixel columns are
the nominal depth / colour projections, the colour ones shifted by (+3, -2) px so a test can tell them apart
from a projection computed by the importer.
"""
from __future__ import annotations

import os

import numpy as np

from mg_posec3d.layouts import KINECT25_JOINTS

# (x, y, z) in metres of a person facing the sensor; the person's left is camera -X
_BASE = {
    'SpineBase': (0.0, -0.10, 2.50), 'SpineMid': (0.0, 0.20, 2.50), 'Neck': (0.0, 0.52, 2.50),
    'Head': (0.0, 0.68, 2.48), 'SpineShoulder': (0.0, 0.45, 2.50),
    'ShoulderLeft': (-0.18, 0.42, 2.50), 'ElbowLeft': (-0.25, 0.15, 2.46), 'WristLeft': (-0.28, -0.08, 2.42),
    'HandLeft': (-0.29, -0.15, 2.40), 'HandTipLeft': (-0.30, -0.23, 2.38), 'ThumbLeft': (-0.24, -0.12, 2.37),
    'HipLeft': (-0.10, -0.15, 2.50), 'KneeLeft': (-0.12, -0.55, 2.45), 'AnkleLeft': (-0.12, -0.95, 2.50),
    'FootLeft': (-0.12, -1.00, 2.40),
}
for _k, (_x, _y, _z) in list(_BASE.items()):
    if _k.endswith('Left'):
        _BASE[_k[:-4] + 'Right'] = (-_x, _y, _z)
# where the right arm ends up (hand at the neck)
_RAISED = {'ElbowRight': (0.22, 0.25, 2.30), 'WristRight': (0.08, 0.45, 2.30), 'HandRight': (0.04, 0.50, 2.32),
           'HandTipRight': (0.0, 0.56, 2.33), 'ThumbRight': (0.03, 0.45, 2.30)}
DEPTH = (365.0, 365.0, 256.0, 212.0)
COLOUR = (1081.37, 1081.37, 959.5, 539.5)
COLOUR_SHIFT = (3.0, -2.0)


def camera_points(t: int, frames: int) -> np.ndarray:
    """``[25, 3]`` camera-space points of frame ``t`` (0-based) of a ``frames``-long recording."""
    a = 0.5 - 0.5 * np.cos(np.pi * t / max(1, frames - 1))   # 0 -> 1: the right hand rises
    pts = []
    for name in KINECT25_JOINTS:
        p = np.array(_BASE[name])
        if name in _RAISED:
            p = (1 - a) * p + a * np.array(_RAISED[name])
        pts.append(p)
    return np.array(pts)


def pinhole(xyz: np.ndarray, cam: tuple) -> np.ndarray:
    fx, fy, cx, cy = cam
    return np.stack([cx + fx * xyz[:, 0] / xyz[:, 2], cy - fy * xyz[:, 1] / xyz[:, 2]], -1)


def skeleton_row(xyz: np.ndarray | None) -> list[float]:
    """275 values of one frame; None: no body tracked (all zeros)."""
    if xyz is None:
        return [0.0] * 275
    depth, colour = pinhole(xyz, DEPTH), pinhole(xyz, COLOUR) + COLOUR_SHIFT
    row = []
    for j in range(25):
        row += [*xyz[j], 1.0, 0.0, 0.0, 0.0, *depth[j], *colour[j]]
    return row


def write_sample(root: str, number: int, frames: int = 40, labels=((6, 5, 20), (17, 25, 34)),
                 untracked: tuple[int, ...] = (), fps: int = 30) -> str:
    """Write ``Sample{number:04d}/`` and return its folder. ``labels``: ``(raw id 1..17, start, end)`` 1-based
    inclusive frames; ``untracked``: 0-based rows without a body; ``labels=None``: no finelabels file."""
    name = f'Sample{number:04d}'
    folder = os.path.join(root, name)
    os.makedirs(folder)
    with open(os.path.join(folder, f'{name}_skeleton.csv'), 'w') as f:
        for t in range(frames):
            row = skeleton_row(None if t in untracked else camera_points(t, frames))
            f.write(','.join(f'{v:.6f}' for v in row) + '\n')
    if labels is not None:
        with open(os.path.join(folder, f'{name}_finelabels.csv'), 'w') as f:
            f.writelines(f'{c},{s},{e}\n' for c, s, e in labels)
    with open(os.path.join(folder, f'{name}_data.csv'), 'w') as f:
        f.write(f'{frames},{fps},4500\n')
    return folder
