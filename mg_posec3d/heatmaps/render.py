"""Fast pseudo-heatmap rendering: the core of a drop-in for mmaction2's ``GeneratePoseTarget``.

mmaction2 renders each Gaussian / limb patch in a Python loop (frame x channel x person). Here all patches
of a clip (or of a batch) are rendered at once: each keypoint as a fixed k x k window, each limb over its
box, and the pixels are scattered into the output with a max (persons are combined by max, as upstream).
The per-pixel float32 arithmetic follows upstream's formulas in the same order (including NumPy 1.x's
float64 promotion of scalar expressions), so outputs agree to float rounding (~2e-7): upstream's truncated
boxes ``int(x -/+ 3 * sigma)``, its limb distance (``coeff`` projection), the Gaussian fallback for limbs
shorter than one pixel, the ``score < 1e-4`` skip, ``use_score``, ``scaling`` and the ``double`` flip.

The same code runs on NumPy (CPU) and on torch (any device, batched); ``array_ops`` holds the few
functions that differ. Users (this module knows neither pipelines nor models):

* ``datasets/transforms/fast_generate_pose_target.py`` (``FastGeneratePoseTarget``): ``render_clip``, per
  clip in the pipeline; same arguments, keys and output as ``GeneratePoseTarget``.
* ``datasets/transforms/pack_pose_for_heatmap.py`` (``PackPoseForHeatmap``, ``pack_keypoints``) +
  ``models/heatmap_preprocessor.py`` (``HeatmapDataPreprocessor``, ``render_batch``): the pipeline only packs
  the sampled/cropped keypoints; heatmaps are rendered batched on the model's device.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from .array_ops import NumpyOps, TorchOps, ops_for

# upstream skips a point / limb whose score is below this
EPS = 1e-4
_F32_EPS = np.nextafter(np.float32(EPS), np.float32(1))  # smallest float32 >= 1e-4

# Upstream computes its truncation boxes and the squared limb length from float32 scalars and Python
# numbers; NumPy 1.x promotes those scalar expressions to float64, NumPy 2 (NEP 50) keeps float32. Follow the
# installed NumPy so that boxes and the short-limb test match upstream bit for bit.
NUMPY_PROMOTES = isinstance(np.float32(1) - 1.5, np.float64)

COCO_SKELETONS = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6), (6, 8), (8, 10), (5, 11),
                  (11, 13), (13, 15), (6, 12), (12, 14), (14, 16), (11, 12))


def heatmap_cfg(sigma: float = 0.6, use_score: bool = True, with_kp: bool = True, with_limb: bool = False,
                skeletons: Sequence[Sequence[int]] = COCO_SKELETONS, double: bool = False,
                left_kp: Sequence[int] = (1, 3, 5, 7, 9, 11, 13, 15),
                right_kp: Sequence[int] = (2, 4, 6, 8, 10, 12, 14, 16),
                left_limb: Sequence[int] = (0, 2, 4, 5, 6, 10, 11, 12),
                right_limb: Sequence[int] = (1, 3, 7, 8, 9, 13, 14, 15),
                scaling: float = 1.) -> dict:
    """``GeneratePoseTarget``'s arguments (same names and defaults), checked, as a plain dict."""
    if not (with_kp or with_limb):
        raise ValueError('At least one of "with_limb" and "with_kp" should be set as True.')
    if not sigma > 0:
        raise ValueError(f'sigma must be > 0, got {sigma}')
    if not scaling > 0:
        raise ValueError(f'scaling must be > 0, got {scaling}')
    if len(left_kp) != len(right_kp) or len(left_limb) != len(right_limb):
        raise ValueError('left_kp/right_kp and left_limb/right_limb must have equal lengths')
    return dict(sigma=float(sigma), use_score=bool(use_score), with_kp=bool(with_kp),
                with_limb=bool(with_limb), skeletons=tuple((int(a), int(b)) for a, b in skeletons),
                double=bool(double), left_kp=tuple(int(i) for i in left_kp),
                right_kp=tuple(int(i) for i in right_kp), left_limb=tuple(int(i) for i in left_limb),
                right_limb=tuple(int(i) for i in right_limb), scaling=float(scaling))


def num_channels(cfg: dict, num_joints: int) -> int:
    """Upstream's channel count: joints, limbs, or joints + limbs (see ``render`` for the last case)."""
    return (num_joints if cfg['with_kp'] else 0) + (len(cfg['skeletons']) if cfg['with_limb'] else 0)


def flip_indices(cfg: dict, num_c: int) -> list[int]:
    """Channel ``c`` of the flipped copy shows channel ``indices[c]`` of the original (upstream's swaps in
    upstream's order; the limb lists are used only when ``with_kp`` is off)."""
    if cfg['with_kp']:
        left, right = cfg['left_kp'], cfg['right_kp']
    else:
        left, right = cfg['left_limb'], cfg['right_limb']
    indices = list(range(num_c))
    for a, b in zip(left, right):
        if not (0 <= a < num_c and 0 <= b < num_c):
            raise ValueError(f'flip pair ({a}, {b}) is outside the {num_c} heatmap channels')
        indices[a] = b
        indices[b] = a
    return indices


def output_hw(img_shape: Sequence[int], scaling: float) -> tuple[int, int]:
    """Upstream's heatmap size for ``img_shape`` and ``scaling``."""
    h, w = img_shape[:2]
    return int(h * scaling + 0.5), int(w * scaling + 0.5)


# ---------------------------------------------------------------------------------------------------------
# renderer
# ---------------------------------------------------------------------------------------------------------
class Canvas:
    """Output planes of ``height x width`` pixels in ``flat`` (a 1-D buffer with one extra dump slot at the
    end). Instance (frame ``f``, channel ``c``) is drawn into plane ``base[f] + c * cstride`` and, with
    ``double``, mirrored in x into plane ``mbase[f] + mchan[c] * cstride`` (``mchan``: the flipped channel
    that shows ``c``)."""

    def __init__(self, flat, height: int, width: int, base, cstride: int, mbase=None, mchan=None):
        self.flat, self.h, self.w, self.base, self.cstride = flat, height, width, base, cstride
        self.mbase, self.mchan = mbase, mchan
        self.dump = flat.shape[0] - 1

    def planes(self, frame, chan) -> list[tuple]:
        """(plane, mirrored) for every plane that (frame, chan) instances are drawn into."""
        out = [(self.base[frame] + chan * self.cstride, False)]
        if self.mbase is not None:
            out.append((self.mbase[frame] + self.mchan[chan] * self.cstride, True))
        return out


def inverse_flip(indices: Sequence[int]) -> np.ndarray | None:
    """The flipped channel showing each original channel, or None if the flip lists do not make a
    permutation (overlapping/repeated left/right entries; then the flipped copy is made by copying)."""
    inv = np.full(len(indices), -1, dtype=np.int64)
    inv[np.asarray(indices, dtype=np.int64)] = np.arange(len(indices))
    return None if (inv < 0).any() else inv


def _boxes(xp, lo, hi, r: float, size: int):
    """Upstream's ``max(int(lo - r), 0)`` and ``min(int(hi + r) + 1, size)`` (``int`` truncates to 0)."""
    if NUMPY_PROMOTES:
        lo, hi = xp.f64(lo), xp.f64(hi)
    st = xp.i64(xp.clip_(xp.trunc(lo - r), 0, size))
    ed = xp.i64(xp.clip_(xp.trunc(hi + r) + 1, 0, size))
    return st, ed


def _gauss_1d(xp, d, sigma: float):
    """``exp(-d^2 / 2 / sigma^2)``; overwrites d."""
    d *= d
    d *= -0.5
    d /= sigma ** 2
    return xp.gauss_(d)


def _draw_points(xp, cv: Canvas, frame, chan, mx, my, val, sigma: float) -> None:
    """Gaussians (all drawn: callers pass only instances with score >= eps) inside upstream's truncated
    +-3 sigma box, each as a fixed k x k window. ``exp(-(dx^2 + dy^2) ...)`` is computed as the product of
    the x and y factors (a few ulp from upstream); window pixels outside the box go to the dump slot
    (``big`` added to their index, then clamped)."""
    if mx.shape[0] == 0:
        return
    r = 3 * sigma
    k = int(math.floor(2 * r + 1e-6)) + 2  # widest box: trunc(m + r) - trunc(m - r) + 1 <= floor(2r) + 2
    st_x, ed_x = _boxes(xp, mx, mx, r, cv.w)
    st_y, ed_y = _boxes(xp, my, my, r, cv.h)
    ar = xp.arange(k, mx)
    xs = st_x[:, None] + ar  # [P, k]
    ys = st_y[:, None] + ar
    gx = _gauss_1d(xp, xp.f32(xs) - mx[:, None], sigma)
    gy = _gauss_1d(xp, xp.f32(ys) - my[:, None], sigma)
    gy *= val[:, None]
    patch = gy[:, :, None] * gx[:, None, :]
    big = 2 * (cv.dump + k + 1)  # pushes any window pixel index past the dump slot
    bad_x = (xs >= ed_x[:, None]) * big
    row = ys * cv.w + (ys >= ed_y[:, None]) * big
    for plane, mirrored in cv.planes(frame, chan):
        base = row + (plane * (cv.h * cv.w))[:, None]
        col = (cv.w - 1 - xs if mirrored else xs) + bad_x
        idx = base[:, :, None] + col[:, None, :]
        xp.scatter_max(cv.flat, xp.clip_(idx, None, cv.dump), patch)


def _draw_limbs(xp, cv: Canvas, frame, chan, sx, sy, ex, ey, sval, eval_, ok, sigma: float) -> None:
    """Limb heatmaps: upstream's point-to-segment distance over its box (segment bbox +- 3 sigma,
    truncated). Every box pixel of every limb is enumerated by repeating limbs into box rows and rows into
    pixels (no per-pixel division or gathers), then upstream's per-pixel float32 formulas are applied."""
    ddx, ddy = sx - ex, sy - ey
    if NUMPY_PROMOTES:  # upstream: (start[0] - end[0])**2 on float32 scalars -> float64
        ddx, ddy = xp.f64(ddx), xp.f64(ddy)
    d2_ab = ddx * ddx + ddy * ddy
    short = d2_ab < 1
    # upstream draws a limb shorter than 1 px as the start point's Gaussian with the start score
    pts = xp.nonzero(ok & short)
    _draw_points(xp, cv, frame[pts], chan[pts], sx[pts], sy[pts], sval[pts], sigma)

    keep = xp.nonzero(ok & ~short)
    if keep.shape[0] == 0:
        return
    frame, chan = frame[keep], chan[keep]
    sx, sy, ex, ey = sx[keep], sy[keep], ex[keep], ey[keep]
    coeff_v = xp.minimum(sval[keep], eval_[keep])
    d2_ab = xp.f32(d2_ab[keep])  # it then meets float32 arrays
    r = 3 * sigma
    st_x, ed_x = _boxes(xp, xp.minimum(sx, ex), xp.maximum(sx, ex), r, cv.w)
    st_y, ed_y = _boxes(xp, xp.minimum(sy, ey), xp.maximum(sy, ey), r, cv.h)
    bw = ed_x - st_x
    bh = ed_y - st_y
    bh[bw <= 0] = 0
    bh[bh < 0] = 0
    num_rows = int(bh.sum())
    if num_rows == 0:
        return
    hw = cv.h * cv.w
    planes = cv.planes(frame, chan)

    # limbs -> box rows
    row_first = xp.cumsum(bh) - bh
    ints = xp.repeat(xp.stack([st_y - row_first, st_x, bw] + [p * hw for p, _ in planes]), bh, num_rows)
    y = ints[0] + xp.arange(num_rows, ints)
    x0, rw = ints[1], ints[2]
    flo = xp.repeat(xp.stack([sx, sy, ex, ey, ex - sx, ey - sy, d2_ab, coeff_v]), bh, num_rows)
    yf = xp.f32(y)
    ay = yf - flo[1]
    by = yf - flo[3]

    # rows -> pixels: x = running pixel number + per-row offset; index likewise (mirrored: minus it)
    num_px = int(rw.sum())
    px_first = xp.cumsum(rw) - rw
    per_row = [x0 - px_first]
    for (_, mirrored), pbase in zip(planes, ints[3:]):
        per_row.append(pbase + y * cv.w + ((cv.w - 1 - x0 + px_first) if mirrored else (x0 - px_first)))
    pi = xp.repeat(xp.stack(per_row), rw, num_px)
    pf = xp.repeat(xp.stack([flo[0], flo[1], flo[2], flo[4], flo[5], flo[6], flo[7], yf, ay * ay, by * by]),
                   rw, num_px)
    run = xp.arange(num_px, pi)
    sx, sy, ex, dx, dy, d2_ab, coeff_v, yf, ay2, by2 = pf
    x = xp.f32(pi[0] + run)

    t = x - sx
    t *= t
    d2_start = t + ay2
    t = x - ex
    t *= t
    d2_end = t + by2
    coeff = d2_start - d2_end
    coeff += d2_ab
    coeff /= 2.
    coeff /= d2_ab
    far = coeff >= 1
    # coeff <= 0: the line formula with coeff = 0 is exactly upstream's d2_start (sx + 0 * dx == sx)
    xp.clip_(coeff, 0, None)
    lx = dx * coeff
    lx += sx
    lx = x - lx
    lx *= lx
    ly = dy * coeff
    ly += sy
    ly = yf - ly
    ly *= ly
    lx += ly
    d2_seg = xp.select_(far, d2_end, lx)
    d2_seg *= -0.5
    d2_seg /= sigma ** 2
    patch = xp.gauss_(d2_seg)
    patch *= coeff_v
    for (_, mirrored), rbase in zip(planes, pi[1:]):
        xp.scatter_max(cv.flat, rbase - run if mirrored else rbase + run, patch)


def _score_ok(xp, score):
    # upstream compares the float16/32 score with the Python float 1e-4: in float64 under NumPy 1.x
    return (xp.f64(score) if NUMPY_PROMOTES else score) >= EPS


def render(cv: Canvas, kps, scores, cfg: dict) -> None:
    """Draw ``kps`` [F, M, V, 2] (float32, scaled) with ``scores`` [F, M, V] (ones if ``use_score`` is off)
    into ``cv``; frame ``f`` is ``cv``'s frame ``f``. NumPy arrays or torch tensors (any device).

    As upstream, limb ``l`` goes to channel ``l`` even when joints are drawn too (then limbs and joints
    share channels ``0..L-1`` by max and the last ``L`` channels stay empty)."""
    xp = ops_for(kps)
    num_f, num_m, num_v = kps.shape[:3]
    ok = _score_ok(xp, scores)
    val = xp.f32(scores)
    if cfg['with_kp']:
        sel = xp.nonzero(ok.reshape(-1))
        per_f = num_m * num_v
        _draw_points(xp, cv, sel // per_f, sel % num_v, kps[..., 0].reshape(-1)[sel],
                     kps[..., 1].reshape(-1)[sel], val.reshape(-1)[sel], cfg['sigma'])
    if cfg['with_limb'] and cfg['skeletons']:
        skel = np.asarray(cfg['skeletons'], dtype=np.int64).reshape(-1, 2)
        if skel.min() < 0 or skel.max() >= num_v:
            raise ValueError(f'skeletons reference joints outside 0..{num_v - 1}: {cfg["skeletons"]}')
        a, b = xp.index(skel[:, 0], kps), xp.index(skel[:, 1], kps)
        num_l = skel.shape[0]
        inst = xp.arange(num_f * num_m * num_l, kps)
        frame, chan = inst // (num_m * num_l), inst % num_l
        _draw_limbs(xp, cv, frame, chan, kps[:, :, a, 0].reshape(-1), kps[:, :, a, 1].reshape(-1),
                    kps[:, :, b, 0].reshape(-1), kps[:, :, b, 1].reshape(-1), val[:, :, a].reshape(-1),
                    val[:, :, b].reshape(-1), (ok[:, :, a] & ok[:, :, b]).reshape(-1), cfg['sigma'])


# ---------------------------------------------------------------------------------------------------------
# batches (the data preprocessor)
# ---------------------------------------------------------------------------------------------------------
def render_batch(packed: torch.Tensor, cfg: dict, backend: str = 'auto') -> torch.Tensor:
    """Heatmaps for a batch packed by ``PackPoseForHeatmap`` + ``FormatShape('NCTHW_Heatmap')``.

    ``packed``: [B, num_clips, M, T, V, 3] (x, y, score; persons padded with score 0), on any device.
    Returns [B, num_clips (x2 with ``double``: flipped clips after the originals), C, T, H, W] float32 on
    ``packed``'s device: what ``GeneratePoseTarget`` + ``FormatShape('NCTHW_Heatmap')`` + stacking give.
    ``backend``: 'numpy' (CPU only), 'torch', or 'auto' (NumPy on the CPU, else torch)."""
    if packed.ndim != 6 or packed.shape[-1] != 3:
        raise ValueError(f'expected packed keypoints [B, num_clips, M, T, V, 3], got {tuple(packed.shape)}')
    if backend == 'auto':
        backend = 'numpy' if packed.device.type == 'cpu' else 'torch'
    if backend not in ('numpy', 'torch'):
        raise ValueError(f'backend must be auto, numpy or torch, got {backend!r}')
    num_b, num_clips, num_m, num_t, num_v = packed.shape[:5]
    h, w = cfg['hw']
    num_c = num_channels(cfg, num_v)
    copies = 2 if cfg['double'] else 1
    views = num_clips * copies
    size = num_b * views * num_c * num_t * h * w
    frames = packed.detach().permute(0, 1, 3, 2, 4, 5).reshape(-1, num_m, num_v, 3)  # (b, clip, t)
    if backend == 'numpy':
        if packed.device.type != 'cpu':
            raise ValueError('the numpy backend renders on the CPU only')
        frames = frames.to(torch.float32).numpy()
        flat = np.zeros(size + 1, dtype=np.float32)
        xp = NumpyOps
    else:
        frames = frames.to(torch.float32)
        flat = torch.zeros(size + 1, dtype=torch.float32, device=packed.device)
        xp = TorchOps

    def ar(n):
        return xp.arange(n, frames)

    # frame f = (b, clip, t) -> plane of channel 0 in [B, views, C, T, H, W]; channel stride T
    fb = (ar(num_b)[:, None, None] * views + ar(num_clips)[None, :, None]) * (num_c * num_t)
    base = (fb + ar(num_t)[None, None, :]).reshape(-1)
    mbase = inv = None
    indices = flip_indices(cfg, num_c) if cfg['double'] else None
    if cfg['double']:
        inv = inverse_flip(indices)
        mbase = None if inv is None else base + num_clips * num_c * num_t
        if inv is not None and backend == 'torch':
            inv = torch.as_tensor(inv, device=packed.device)
    if size:
        render(Canvas(flat, h, w, base, num_t, mbase, inv), frames[..., :2], frames[..., 2], cfg)
    body = flat[:size]
    out = (torch.from_numpy(body) if backend == 'numpy' else body).view(num_b, views, num_c, num_t, h, w)
    if cfg['double'] and inv is None and size:  # upstream's flip by copying
        out[:, num_clips:] = out[:, :num_clips][:, :, indices].flip(-1)
    return out


# ---------------------------------------------------------------------------------------------------------
# CPU, per clip (the transform)
# ---------------------------------------------------------------------------------------------------------
def prepare_keypoints(keypoint: np.ndarray, keypoint_score: np.ndarray | None, cfg: dict,
                      where: str = 'sample') -> tuple[np.ndarray, np.ndarray]:
    """Upstream's input handling: float32 coordinates times ``scaling``, and the scores (ones without
    ``keypoint_score`` or with ``use_score`` off). Returns ``kps`` [M, T, V, 2] float32 and ``scores``
    [M, T, V]. Points that are not drawn (score < 1e-4) may be NaN (set to 0); drawn ones may not."""
    kps = np.asarray(keypoint)
    if kps.ndim != 4 or kps.shape[-1] < 2:
        raise ValueError(f'{where}: field keypoint must be [M, T, V, 2 or 3], got shape {kps.shape}')
    kps = kps[..., :2].astype(np.float32)
    kps *= np.float32(cfg['scaling'])
    if keypoint_score is None:
        scores = np.ones(kps.shape[:-1], dtype=np.float32)
    else:
        scores = np.asarray(keypoint_score)
        if scores.shape != kps.shape[:-1]:
            raise ValueError(f'{where}: field keypoint_score has shape {scores.shape}, keypoint needs '
                             f'{kps.shape[:-1]}')
        if not np.isfinite(scores).all():
            raise ValueError(f'{where}: field keypoint_score contains NaN/inf')
        if not cfg['use_score']:
            scores = np.ones_like(scores)
    bad = ~np.isfinite(kps)
    if bad.any():
        if (bad.any(-1) & (scores >= EPS)).any():
            raise ValueError(f'{where}: field keypoint is NaN/inf at points with score >= {EPS}')
        kps[bad] = 0
    return kps, scores


def render_clip(kps: np.ndarray, scores: np.ndarray, img_hw: tuple[int, int], cfg: dict) -> np.ndarray:
    """``GeneratePoseTarget``'s heatmap for ``kps`` [M, T, V, 2] / ``scores`` [M, T, V] from
    ``prepare_keypoints``: [T (x2 with ``double``), C, H, W] float32."""
    num_m, num_t, num_v = kps.shape[:3]
    h, w = img_hw
    num_c = num_channels(cfg, num_v)
    copies = 2 if cfg['double'] else 1
    size = copies * num_t * num_c * h * w
    flat = np.zeros(size + 1, dtype=np.float32)
    base = np.arange(num_t, dtype=np.int64) * num_c
    mbase = inv = None
    if cfg['double']:
        indices = flip_indices(cfg, num_c)
        inv = inverse_flip(indices)
        mbase = None if inv is None else base + num_t * num_c
    out = flat[:size].reshape(copies * num_t, num_c, h, w)
    if size:
        cv = Canvas(flat, h, w, base, 1, mbase, inv)
        render(cv, np.ascontiguousarray(kps.swapaxes(0, 1)), np.ascontiguousarray(scores.swapaxes(0, 1)), cfg)
        if cfg['double'] and inv is None:  # upstream's flip by copying
            out[num_t:] = out[:num_t][:, indices, :, ::-1]
    return out


def pack_keypoints(kps: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``kps`` [M, T, V, 2] and ``scores`` [M, T, V] from ``prepare_keypoints`` as one float32 array
    [T, M, V, 3] (x, y, score) for ``render_batch``. Scores are float32 that keep upstream's decision
    ``score >= 1e-4`` made on the original dtype (a float16 score just above 1e-4 stays drawn)."""
    packed = np.empty(kps.shape[:3] + (3, ), dtype=np.float32)
    packed[..., :2] = kps
    ok = (scores.astype(np.float64) if NUMPY_PROMOTES else scores) >= EPS
    s32 = scores.astype(np.float32)
    s32[~ok] = 0
    s32[ok & (s32.astype(np.float64) < EPS)] = _F32_EPS
    packed[..., 2] = s32
    return np.ascontiguousarray(packed.transpose(1, 0, 2, 3))
