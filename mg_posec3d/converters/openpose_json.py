"""Import OpenPose ``--write_json`` output (one ``*_keypoints.json`` per frame) into miga22 annotations.

Each file holds ``{"people": [{"pose_keypoints_2d": [x, y, c] * 25, "hand_left_keypoints_2d": [...] * 21,
"hand_right_keypoints_2d": [...] * 21, ...}, ...]}`` (BODY_25 model; run OpenPose with ``--hand``; a person
without hand points gets finger score 0). Frames are ordered by the number before ``_keypoints.json``
(OpenPose writes ``<video>_<frame:012d>_keypoints.json``); a missing number is an empty frame. With
several people, one main subject is kept (:func:`mg_posec3d.annotations.select_main_subject`).

Frame numbers that jump far beyond the files present (e.g. two files numbered 0 and 200000000) are refused
rather than filled with empty frames: the clip would be mostly empty, and filling it could take gigabytes
(:func:`check_frame_span`).

OpenPose JSON does not store the image size, so it must be given (``--img-shape H W``).
"""
from __future__ import annotations

import glob
import json
import os
import re

import numpy as np

from ..annotations import PoseRecord, select_main_subject
from ..layouts import OPENPOSE_BODY25_HANDS

_FIELDS = (('pose_keypoints_2d', 25), ('hand_left_keypoints_2d', 21), ('hand_right_keypoints_2d', 21))
_FRAME_RE = re.compile(r'(\d+)_keypoints\.json$')
# A folder may span at most this many frames per file (+ the slack) before it is refused: missing numbers
# become empty frames, so this bounds both the share of empty frames and the memory of one input.
MAX_FRAMES_PER_FILE = 10
FRAME_SPAN_SLACK = 1000


def read_openpose_json(path: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The people of one OpenPose JSON frame as ``(keypoint [67, 2], score [67])`` in
    ``layouts.OPENPOSE_BODY25_HANDS`` order (body 25, left hand 21, right hand 21)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        # RecursionError: arrays nested thousands deep
        raise ValueError(f'{path}: not a readable OpenPose JSON file: {type(e).__name__}: {e}') from None
    people = data.get('people') if isinstance(data, dict) else None
    if not isinstance(people, list):
        raise ValueError(f'{path}: no "people" list')
    out = []
    for p, person in enumerate(people):
        if not isinstance(person, dict):
            raise ValueError(f'{path}: person {p}: expected an object with pose_keypoints_2d, got '
                             f'{type(person).__name__}')
        parts = []
        for fname, n in _FIELDS:
            vals = person.get(fname) or []
            if not isinstance(vals, list) or not all(_is_number(v) for v in vals):
                raise ValueError(f'{path}: person {p}: {fname} must be a flat list of numbers')
            if fname == 'pose_keypoints_2d' and len(vals) == 18 * 3:
                raise ValueError(f'{path}: person {p}: {fname} has 18 points (COCO model); only BODY_25 is '
                                 'supported')
            if len(vals) == 0 and fname != 'pose_keypoints_2d':
                vals = [0.0] * (3 * n)   # OpenPose run without --hand
            if len(vals) != 3 * n:
                raise ValueError(f'{path}: person {p}: {fname} has {len(vals)} values, expected {3 * n} '
                                 f'({n} points x (x, y, c))')
            parts.append(np.asarray(vals, np.float32).reshape(n, 3))
        arr = np.concatenate(parts)
        out.append((arr[:, :2].copy(), arr[:, 2].copy()))
    return out


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def frame_number(path: str) -> int | None:
    m = _FRAME_RE.search(os.path.basename(path))
    return int(m.group(1)) if m else None


def load_openpose_folder(folder: str, img_shape: tuple[int, int], name: str | None = None,
                         fps: float | None = None) -> PoseRecord:
    """All ``*_keypoints.json`` of ``folder`` as one :class:`PoseRecord` of the main subject."""
    files = glob.glob(os.path.join(glob.escape(folder), '*_keypoints.json'))
    if not files:
        raise ValueError(f'{folder}: no *_keypoints.json files')
    numbered = [(frame_number(f), f) for f in files]
    if any(n is None for n, _ in numbered):
        # no frame numbers: plain name order
        numbered = list(enumerate(sorted(files)))
    numbered.sort()
    check_frame_span(folder, numbered)
    first = numbered[0][0]
    t_total = numbered[-1][0] - first + 1
    people: list[list] = [[] for _ in range(t_total)]
    for n, f in numbered:
        people[n - first] = read_openpose_json(f)
    pick = select_main_subject(people, img_shape)
    v = OPENPOSE_BODY25_HANDS.num_joints
    kp = np.zeros((t_total, v, 2), np.float32)
    sc = np.zeros((t_total, v), np.float32)
    for t, i in enumerate(pick):
        if i is not None:
            kp[t], sc[t] = people[t][i]
    return PoseRecord(name or os.path.basename(os.path.normpath(folder)), kp, sc, img_shape,
                      OPENPOSE_BODY25_HANDS.name, frame_inds=np.arange(first, first + t_total), fps=fps,
                      path=folder, video_frames=t_total,
                      meta={'people_per_frame_max': max((len(p) for p in people), default=0)})


def check_frame_span(folder: str, numbered: list[tuple[int, str]]) -> None:
    """Refuse a folder whose sorted ``(frame number, file)`` pairs span far more frames than it has files,
    naming the two files around the largest gap (before anything of the size of the span is allocated)."""
    span = numbered[-1][0] - numbered[0][0] + 1
    limit = MAX_FRAMES_PER_FILE * len(numbered) + FRAME_SPAN_SLACK
    if span <= limit:
        return
    gap, k = max((numbered[i + 1][0] - numbered[i][0], i) for i in range(len(numbered) - 1))
    before, after = (os.path.basename(numbered[j][1]) for j in (k, k + 1))
    raise ValueError(f'{folder}: frame numbers {numbered[0][0]}..{numbered[-1][0]} span {span} frames but there '
                     f'are only {len(numbered)} *_keypoints.json files (at most {limit} frames allowed); the '
                     f'largest gap ({gap - 1} missing frames) is between {before} and {after}. Missing numbers '
                     'would become empty frames: are files of another video or a renamed file in this folder?')
