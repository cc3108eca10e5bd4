"""Keeping one main subject when a frame shows several people.

The main subject is the person who is *large and central over time*: people are linked across frames
into tracklets (box overlap / nearby centres), each tracklet scores the sum over its frames of
:func:`subject_score`, and the best tracklet is kept. A frame where that person is not found keeps no
one (its joints get score 0) rather than someone else.

Used by the pose backends (``mg_posec3d.pose``) and the OpenPose JSON importer (``mg_posec3d.converters``),
so it lives on the ground floor with the annotation record.
"""
from __future__ import annotations

import numpy as np


def bbox_from_keypoints(keypoint: np.ndarray, score: np.ndarray, thr: float = 0.3) -> np.ndarray | None:
    """``[x1, y1, x2, y2]`` around the joints with score > ``thr`` (and not at 0, 0), or None."""
    kp = np.asarray(keypoint, np.float32)
    sc = np.asarray(score, np.float32)
    ok = (sc > thr) & np.isfinite(kp).all(-1) & (np.abs(kp).sum(-1) > 0)
    if ok.sum() < 2:
        return None
    pts = kp[ok]
    box = np.array([*pts.min(0), *pts.max(0)], np.float32)
    if box[2] - box[0] < 1 and box[3] - box[1] < 1:
        return None
    return box


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def centre_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Distance of the box centres in units of the boxes' mean size (sqrt of the mean area)."""
    ca = np.array([(a[0] + a[2]) / 2, (a[1] + a[3]) / 2])
    cb = np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
    size = np.sqrt(max(1.0, ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])) / 2))
    return float(np.linalg.norm(ca - cb) / size)


def same_person(a: np.ndarray, b: np.ndarray, min_iou: float = 0.1, max_dist: float = 0.5) -> bool:
    return iou(a, b) >= min_iou or centre_distance(a, b) <= max_dist


def subject_score(box: np.ndarray, img_shape: tuple[int, int]) -> float:
    """Large and central: sqrt(box area / image area) x (1 - 0.5 x centre offset / half diagonal)."""
    h, w = img_shape
    area = max(0.0, (box[2] - box[0]) * (box[3] - box[1]))
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    off = np.hypot(cx - w / 2, cy - h / 2) / (0.5 * np.hypot(w, h))
    return float(np.sqrt(area / (h * w)) * (1 - 0.5 * min(1.0, off)))


def select_main_subject(candidates: list[list[tuple[np.ndarray, np.ndarray]]], img_shape: tuple[int, int],
                        max_gap: int = 30, thr: float = 0.3) -> list[int | None]:
    """For each frame, the index of the main subject among that frame's ``(keypoint, score)`` candidates,
    or None where the main subject is not found.

    Tracklets link a candidate to the tracklet whose last box it overlaps best (Hungarian assignment on
    ``1 - IoU + centre distance``; a link needs IoU >= 0.1 or centre distance <= 0.5 box sizes) if that
    tracklet was last seen at most ``max_gap`` frames before.
    """
    from scipy.optimize import linear_sum_assignment

    tracks: list[dict] = []   # {'box', 'last', 'members': {t: idx}, 'score'}
    for t, cands in enumerate(candidates):
        boxes = [(i, bbox_from_keypoints(kp, sc, thr)) for i, (kp, sc) in enumerate(cands)]
        boxes = [(i, b) for i, b in boxes if b is not None]
        active = [tr for tr in tracks if t - tr['last'] <= max_gap]
        matched: set[int] = set()
        if active and boxes:
            cost = np.full((len(active), len(boxes)), 1e6)
            for a, tr in enumerate(active):
                for c, (_, b) in enumerate(boxes):
                    if same_person(tr['box'], b):
                        cost[a, c] = 1 - iou(tr['box'], b) + centre_distance(tr['box'], b)
            for a, c in zip(*linear_sum_assignment(cost)):
                if cost[a, c] < 1e6:
                    i, b = boxes[c]
                    tr = active[a]
                    tr.update(box=b, last=t)
                    tr['members'][t] = i
                    tr['score'] += subject_score(b, img_shape)
                    matched.add(c)
        for c, (i, b) in enumerate(boxes):
            if c not in matched:
                tracks.append(dict(box=b, last=t, members={t: i}, score=subject_score(b, img_shape)))
    out: list[int | None] = [None] * len(candidates)
    if tracks:
        best = max(tracks, key=lambda tr: tr['score'])
        for t, i in best['members'].items():
            out[t] = i
    return out
