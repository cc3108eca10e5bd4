"""Pictures of a spotting result: the timeline PNG and the overlay video with the current label."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .sequences import Segment


def _label(names: Sequence[str] | None, c: int) -> str:
    return str(names[c]) if names is not None and 0 <= c < len(names) else f'class {c}'


def plot_timeline(path: str, title: str, predictions: Sequence[Segment], class_names: Sequence[str] | None,
                  ground_truth: Sequence[Segment] | None = None, frame_probs: np.ndarray | None = None,
                  background: int | None = None, fps: float | None = None) -> str:
    """Classes over time: one lane per class that occurs, the ground truth (grey, upper half of the lane) beside
    the predictions (coloured, lower half); above, the per-frame probabilities of the gesture classes."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    scale = 1.0 / fps if fps else 1.0
    unit = 's' if fps else 'frame'
    used = sorted({int(s[0]) for s in list(predictions) + list(ground_truth or [])})
    lanes = {c: i for i, c in enumerate(used)}
    gesture = sorted(set(used) | ({c for c in range(frame_probs.shape[1]) if c != background}
                                  if frame_probs is not None else set()))
    cmap = plt.get_cmap('tab10' if len(gesture) <= 10 else 'tab20')
    colour = {c: cmap(i % cmap.N) for i, c in enumerate(gesture)}
    rows = 2 if frame_probs is not None else 1
    heights = [1.2, max(1.0, 0.45 * len(used))] if rows == 2 else [max(1.0, 0.45 * len(used))]
    fig, axes = plt.subplots(rows, 1, figsize=(12, sum(heights) + 1.2), sharex=True, squeeze=False,
                             gridspec_kw=dict(height_ratios=heights))
    ax_lane = axes[-1, 0]
    if frame_probs is not None:
        ax = axes[0, 0]
        t = np.arange(len(frame_probs)) * scale
        for c in range(frame_probs.shape[1]):
            if c == background:
                continue
            ax.plot(t, frame_probs[:, c], lw=0.8, color=colour[c], label=_label(class_names, c))
        ax.set_ylim(0, 1)
        ax.set_ylabel('p(class)')
        if len(gesture) <= 12:
            ax.legend(loc='upper right', fontsize=7, ncol=min(6, len(gesture)))
    for label, start, end in ground_truth or []:
        # the y axis is inverted below: lane - 0.45 .. lane - 0.05 is the upper half of the lane
        ax_lane.broken_barh([(start * scale, (end - start + 1) * scale)], (lanes[label] - 0.45, 0.4),
                            facecolors='0.55')
    for label, start, end in predictions:
        ax_lane.broken_barh([(start * scale, (end - start + 1) * scale)], (lanes[label] + 0.05, 0.4),
                            facecolors=colour[label])
    ax_lane.set_yticks(range(len(used)))
    ax_lane.set_yticklabels([_label(class_names, c) for c in used], fontsize=8)
    ax_lane.set_ylim(max(len(used), 1) - 0.4, -0.6)  # first class on top
    ax_lane.set_xlabel(unit)
    what = 'ground truth (grey, upper) / predicted (colour, lower)' if ground_truth is not None else 'predicted'
    axes[0, 0].set_title(f'{title}: {what}', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def label_at(segments: Sequence[Segment], frame: int) -> int | None:
    """The label of the (first) segment that contains ``frame``, else None."""
    for label, start, end in segments:
        if start <= frame <= end:
            return int(label)
    return None


def render_overlay(item, keypoint: np.ndarray, score: np.ndarray, frame_inds: np.ndarray, path: str,
                   predictions: Sequence[Segment], class_names: Sequence[str] | None,
                   ground_truth: Sequence[Segment] | None = None, fps: float | None = None) -> int:
    """The video's sampled frames with the miga22 skeleton, the current predicted label (and the ground truth
    when known) and a strip of the predicted segments with a cursor. Segments are in video frame numbers;
    ``keypoint`` [T, 22, 2] / ``score`` [T, 22] are the rows of ``frame_inds``. Returns frames written."""
    import cv2

    from ..pose.video import iter_frames
    from ..pose.visualize import VideoWriter, draw_skeleton, put_lines

    pos = {int(f): t for t, f in enumerate(frame_inds)}
    stride = int(np.diff(frame_inds).min()) if len(frame_inds) > 1 else 1
    last = int(frame_inds[-1])
    total = max(last + 1, 1)
    written = 0
    writer = None
    for idx, frame in iter_frames(item, stride=1, max_frames=last + 1):
        t = pos.get(idx)
        if t is None:
            continue
        if writer is None:
            h, w = frame.shape[:2]
            writer = VideoWriter(path, (fps or 25.0) / max(1, stride), (w, h))
        img = draw_skeleton(frame, keypoint[t], score[t])
        now = label_at(predictions, idx)
        lines = [f'frame {idx}', f'spotted: {_label(class_names, now) if now is not None else "-"}']
        if ground_truth is not None:
            truth = label_at(ground_truth, idx)
            lines.append(f'truth: {_label(class_names, truth) if truth is not None else "-"}')
        put_lines(img, lines)
        h, w = img.shape[:2]
        y0 = h - max(6, h // 40)
        img[y0:, :] = (img[y0:, :] * 0.3).astype(img.dtype)
        for _, start, end in predictions:
            x0, x1 = int(start / total * w), max(int(start / total * w) + 1, int((end + 1) / total * w))
            cv2.rectangle(img, (x0, y0), (x1, h - 1), (0, 200, 255), -1)
        cx = int(idx / total * w)
        cv2.line(img, (cx, y0), (cx, h - 1), (255, 255, 255), 1)
        writer.write(img)
        written += 1
    if writer is not None:
        writer.close()
    return written
