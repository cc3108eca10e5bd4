"""Pose backends: one frame in, the main subject's keypoints (in the backend's source layout) out.

- :class:`MediaPipeBackend`: MediaPipe Holistic (pose 33 + both hands 21), whose models ship inside the
  ``mediapipe==0.10.21`` wheel, so it runs offline. Only ``model_complexity=1`` is bundled (0 and 2 are
  downloaded on first use, which fails offline), so it is the only one allowed.
- :class:`MMPoseBackend`: an mmpose top-down model (HRNet, RTMPose, ...) from a config file and a local
  checkpoint, run on the whole frame or on the person box that MediaPipe finds.

Both keep one main subject per video; call ``reset()`` between videos.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np

from ..annotations.tracking import bbox_from_keypoints, centre_distance, same_person, subject_score
from ..layouts import MEDIAPIPE_HOLISTIC, SourceLayout, source_for_mmpose


@dataclass
class FramePose:
    """The main subject in one frame: keypoints ``[V, 2]`` (pixels), scores ``[V]``, its box or None."""

    keypoint: np.ndarray
    score: np.ndarray
    bbox: np.ndarray | None = None


def _file_id(path: str | None) -> str:
    """Name, size and modification time of a file: enough to notice a changed model in the cache."""
    if not path:
        return 'none'
    st = os.stat(path)
    return f'{os.path.abspath(path)}:{st.st_size}:{int(st.st_mtime)}'


class PoseBackend:
    """Interface of the pose backends (see module doc)."""

    name = 'base'
    source: SourceLayout

    def reset(self) -> None:
        """Forget the subject and temporal state (start of a new video)."""

    def __call__(self, frame_bgr: np.ndarray) -> FramePose | None:
        raise NotImplementedError

    def settings(self) -> dict:
        """What the output depends on; the resume cache re-extracts a video when this changes."""
        return {'backend': self.name}

    def close(self) -> None:
        pass


def _crop_around(box: np.ndarray, scale: float, img_shape: tuple[int, int], min_side: float = 48) -> np.ndarray:
    """``scale`` x the box (each side at least 0.6 x the other so a thin box still gets context)."""
    h, w = img_shape
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    bw, bh = scale * (box[2] - box[0]), scale * (box[3] - box[1])
    cw, ch = max(bw, 0.6 * bh, min_side), max(bh, 0.6 * bw, min_side)
    x1, y1 = max(0, int(cx - cw / 2)), max(0, int(cy - ch / 2))
    x2, y2 = min(w, int(np.ceil(cx + cw / 2))), min(h, int(np.ceil(cy + ch / 2)))
    return np.array([x1, y1, x2, y2], np.int64)


def _inside(box: np.ndarray, crop: np.ndarray, img_shape: tuple[int, int], margin: float = 0.05) -> bool:
    """Whether ``box`` lies inside ``crop`` with a margin (image borders do not count as crop borders)."""
    h, w = img_shape
    mx, my = margin * (crop[2] - crop[0]), margin * (crop[3] - crop[1])
    return ((box[0] >= crop[0] + mx or crop[0] == 0) and (box[1] >= crop[1] + my or crop[1] == 0)
            and (box[2] <= crop[2] - mx or crop[2] == w) and (box[3] <= crop[3] - my or crop[3] == h))


class MediaPipeBackend(PoseBackend):
    """MediaPipe Holistic on a crop that follows the main subject.

    Acquiring the subject (first frame, or after it was lost for more than ``patience`` frames): up to
    ``max_people`` people are found with MediaPipe Pose on the whole frame, masking each found person
    before looking again; the largest/most central one (:func:`subject_score`) becomes the subject. After
    a loss, only people near where the subject was last seen are taken during the next ``relock_frames``
    frames; only then may someone else become the subject.

    Tracking: Holistic runs in video mode on a crop of ``crop_scale`` x the subject's box, moved only when
    the subject nears its border (so its temporal tracking keeps working). A detection that is not near
    the subject's last box (:func:`same_person`) is rejected as someone else.
    """

    name = 'mediapipe'
    source = MEDIAPIPE_HOLISTIC

    def __init__(self, model_complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, max_people: int = 3, crop_scale: float = 1.5,
                 patience: int = 3, relock_frames: int = 60, visibility_thr: float = 0.5):
        if model_complexity != 1:
            raise ValueError('only MediaPipe model_complexity=1 is bundled with mediapipe==0.10.21; 0 and 2 '
                             'would be downloaded at run time, which this tool never does')
        try:
            import mediapipe as mp
        except ImportError as e:
            raise ImportError('the mediapipe backend needs mediapipe==0.10.21 (see docs/install.md for the pinned '
                              f'install): {e}') from e
        self._mp = mp
        self.min_det = min_detection_confidence
        self.min_track = min_tracking_confidence
        self.max_people = max_people
        self.crop_scale = crop_scale
        self.patience = patience
        self.relock_frames = relock_frames
        self.vis_thr = visibility_thr
        self._holistic = mp.solutions.holistic.Holistic(
            static_image_mode=False, model_complexity=1, smooth_landmarks=True,
            min_detection_confidence=min_detection_confidence, min_tracking_confidence=min_tracking_confidence)
        self._finder = mp.solutions.pose.Pose(
            static_image_mode=True, model_complexity=1, min_detection_confidence=min_detection_confidence)
        self.reset()

    def settings(self) -> dict:
        return dict(backend=self.name, mediapipe=getattr(self._mp, '__version__', '?'), complexity=1,
                    min_det=self.min_det, min_track=self.min_track, max_people=self.max_people,
                    crop_scale=self.crop_scale, patience=self.patience, relock_frames=self.relock_frames)

    def reset(self) -> None:
        self._holistic.reset()
        self._box = None       # the subject's last box while tracked
        self._last = None      # where it was last seen (kept while lost)
        self._lost = 0         # frames since it was lost
        self._crop = None
        self._missed = 0

    def close(self) -> None:
        self._holistic.close()
        self._finder.close()

    # -- finding people on the whole frame ------------------------------------------------------------
    def find_people(self, frame_rgb: np.ndarray) -> list[np.ndarray]:
        """Boxes of up to ``max_people`` people (MediaPipe Pose finds one per call; found people are
        masked with the frame's mean colour before the next call)."""
        h, w = frame_rgb.shape[:2]
        img = frame_rgb.copy()
        fill = frame_rgb.reshape(-1, 3).mean(0).astype(np.uint8)
        boxes = []
        for _ in range(self.max_people):
            res = self._finder.process(img)
            if res.pose_landmarks is None:
                break
            lm = res.pose_landmarks.landmark
            kp = np.array([[p.x * w, p.y * h] for p in lm], np.float32)
            vis = np.array([p.visibility for p in lm], np.float32)
            box = bbox_from_keypoints(kp, vis, self.vis_thr)
            if box is None:
                break
            boxes.append(box)
            bw, bh = box[2] - box[0], box[3] - box[1]
            x1, y1 = int(max(0, box[0] - 0.1 * bw)), int(max(0, box[1] - 0.1 * bh))
            x2, y2 = int(min(w, box[2] + 0.1 * bw)) + 1, int(min(h, box[3] + 0.1 * bh)) + 1
            img[y1:y2, x1:x2] = fill
        return boxes

    def _acquire(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        boxes = self.find_people(frame_rgb)
        if self._last is not None and self._lost <= self.relock_frames:
            # relocking: the person nearest to where the subject was lost, within a radius that grows
            # with the time since (in box sizes)
            radius = 1.0 + 0.1 * self._lost
            near = [(centre_distance(self._last, b), i) for i, b in enumerate(boxes)]
            near = [(d, i) for d, i in near if d <= radius]
            return boxes[min(near)[1]] if near else None
        if not boxes:
            return None
        shape = frame_rgb.shape[:2]
        return max(boxes, key=lambda b: subject_score(b, shape))

    def _miss(self) -> None:
        self._missed += 1
        self._crop = None   # look again in a larger crop (see __call__)
        if self._missed > self.patience:
            self._last, self._box, self._lost = self._box, None, 0

    # -- per frame ----------------------------------------------------------------------------------
    def __call__(self, frame_bgr: np.ndarray) -> FramePose | None:
        import cv2

        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        shape = rgb.shape[:2]
        if self._box is None:
            self._lost += 1
            box = self._acquire(rgb)
            if box is None:
                return None
            self._holistic.reset()
            self._box, self._crop, self._missed = box, None, 0
        if self._crop is None or not _inside(self._box, self._crop, shape):
            self._crop = _crop_around(self._box, self.crop_scale * (1 + 0.5 * self._missed), shape)
        x1, y1, x2, y2 = self._crop
        res = self._holistic.process(np.ascontiguousarray(rgb[y1:y2, x1:x2]))
        if res.pose_landmarks is None:
            self._miss()
            return None
        kp, sc = self._landmarks(res, (y2 - y1, x2 - x1))
        kp += np.array([x1, y1], np.float32)
        box = bbox_from_keypoints(kp[:33], sc[:33], self.vis_thr)
        if box is None or not same_person(self._box, box, min_iou=0.1, max_dist=0.75):
            # someone else (or nothing solid) in the crop: let Holistic detect afresh next frame
            self._holistic.reset()
            self._miss()
            return None
        self._missed = 0
        self._box = self._last = box
        return FramePose(kp, sc, box)

    @staticmethod
    def _landmarks(res, crop_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Holistic result -> ``[75, 2]`` pixel coordinates in the crop and ``[75]`` scores."""
        h, w = crop_shape
        kp = np.zeros((75, 2), np.float32)
        sc = np.zeros(75, np.float32)
        lm = res.pose_landmarks.landmark
        kp[:33] = [[p.x * w, p.y * h] for p in lm]
        sc[:33] = [p.visibility for p in lm]
        for start, hand in ((33, res.left_hand_landmarks), (54, res.right_hand_landmarks)):
            if hand is not None:
                kp[start:start + 21] = [[p.x * w, p.y * h] for p in hand.landmark]
                sc[start:start + 21] = 1.0   # Holistic hands carry no per-point confidence
        return kp, sc


def _drop_mmdet_scope(node) -> None:
    """RTMPose configs build their CSPNeXt backbone from mmdet (``_scope_='mmdet'``), whose model package
    needs compiled mmcv ops; mmpose has its own CSPNeXt, so build from mmpose's registry instead."""
    if isinstance(node, dict):
        if node.get('_scope_') == 'mmdet':
            node.pop('_scope_')
        for v in node.values():
            _drop_mmdet_scope(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _drop_mmdet_scope(v)


class MMPoseBackend(PoseBackend):
    """An mmpose top-down model on one box per frame: the whole frame (``box='frame'``) or the main
    subject's box from :class:`MediaPipeBackend` (``box='mediapipe'``; frames where MediaPipe finds no
    one have no person). ``checkpoint=None`` keeps the model's random initial weights (tests only)."""

    name = 'mmpose'

    def __init__(self, config: str, checkpoint: str | None, device: str = 'cpu', box: str = 'frame',
                 mediapipe_kwargs: dict | None = None):
        if box not in ('frame', 'mediapipe'):
            raise ValueError(f"box must be 'frame' or 'mediapipe', got {box!r}")
        if checkpoint is not None and '://' in str(checkpoint):
            raise ValueError(f'{checkpoint}: give a local checkpoint file; this tool never downloads weights')
        if checkpoint is not None and not os.path.isfile(checkpoint):
            raise FileNotFoundError(f'{checkpoint}: no such pose checkpoint')
        from .. import compat

        compat.apply_mmpose()
        from mmengine.config import Config
        from mmengine.registry import DefaultScope
        from mmpose.apis import init_model

        cfg = Config.fromfile(config) if not isinstance(config, Config) else config
        model_cfg = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else dict(cfg.model)
        _drop_mmdet_scope(model_cfg)
        cfg.model = model_cfg
        # mmpose's API switches mmengine's global default scope to 'mmpose'; keep the caller's scope
        # (e.g. mmaction's) outside our calls
        self._scope = lambda: DefaultScope.overwrite_default_scope('mmpose')
        with self._scope():
            self.model = init_model(cfg, checkpoint, device=device)
        self.source = source_for_mmpose(self.model.dataset_meta)
        self.config_path = config if isinstance(config, str) else None
        self.checkpoint = checkpoint
        self.box = box
        self._mp = MediaPipeBackend(**(mediapipe_kwargs or {})) if box == 'mediapipe' else None

    def settings(self) -> dict:
        cfg_id = _file_id(self.config_path) if self.config_path and os.path.isfile(self.config_path) else \
            hashlib.sha1(self.model.cfg.pretty_text.encode()).hexdigest()
        s = dict(backend=self.name, config=cfg_id, checkpoint=_file_id(self.checkpoint), box=self.box)
        if self._mp is not None:
            s['mediapipe'] = self._mp.settings()
        return s

    def reset(self) -> None:
        if self._mp is not None:
            self._mp.reset()

    def close(self) -> None:
        if self._mp is not None:
            self._mp.close()

    def __call__(self, frame_bgr: np.ndarray) -> FramePose | None:
        from mmpose.apis import inference_topdown

        h, w = frame_bgr.shape[:2]
        if self._mp is None:
            box = np.array([0, 0, w, h], np.float32)
        else:
            found = self._mp(frame_bgr)
            if found is None:
                return None
            box = found.bbox
        # mmpose models take BGR images: their data preprocessor converts to RGB
        with self._scope():
            res = inference_topdown(self.model, frame_bgr, box[None].astype(np.float32), bbox_format='xyxy')
        inst = res[0].pred_instances
        kp = np.asarray(inst.keypoints[0], np.float32)
        # SimCC (RTMPose) confidences are not bounded by 1; the annotations keep scores in [0, 1]
        sc = np.clip(np.asarray(inst.keypoint_scores[0], np.float32), 0, 1)
        return FramePose(kp, sc, box)


def build_backend(name: str, **kwargs) -> PoseBackend:
    """``mediapipe`` or ``mmpose`` (needs ``config`` and ``checkpoint``)."""
    if name == 'mediapipe':
        return MediaPipeBackend(**kwargs)
    if name == 'mmpose':
        return MMPoseBackend(**kwargs)
    raise ValueError(f"unknown pose backend {name!r}; use 'mediapipe' or 'mmpose'")
