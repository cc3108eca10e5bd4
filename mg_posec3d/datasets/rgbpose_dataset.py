"""RGB + skeleton clips for the two-stream (RGBPoseConv3D) and RGB-only models.

An annotation is a normal skeleton annotation (see :class:`MGPoseDataset`) plus its RGB source, as written by
``tools/data/pair_rgb.py``:

- ``rgb``: path of the clip's video file or frame folder, relative to the dataset's ``rgb_root`` (or
  absolute);
- ``rgb_frame_inds`` (optional, int ``[T]``): the frame of the RGB source that skeleton frame ``t`` was
  estimated on. Missing means ``arange(T)``: the source has exactly the skeleton's frames. Skeletons
  extracted from a long video with ``tools/data/extract_pose.py --label-csv`` (or ``--stride``) carry these indices
  (their ``frame_inds``), so clips can be read straight from the long video.
- ``rgb_total_frames`` (optional): frames in the source, checked against ``rgb_frame_inds``.

``RGBPoseDecode`` (``transforms/rgbpose_decode.py``) then reads the RGB frames at ``rgb_frame_inds[RGB_inds]``:
the sampled RGB frames are the frames the skeleton came from, also when the RGB and pose pathways sample
different frame counts.
"""
from __future__ import annotations

import os

import numpy as np
from mmaction.registry import DATASETS
from mmengine.logging import MMLogger

from .pose_dataset import MGPoseDataset
from .validation import AnnotationError, ValidationReport

PAIR_HINT = ('Pair the skeletons with their videos first: `python tools/data/pair_rgb.py ANN.pkl VIDEO_DIR --out '
             'ANN_rgb.pkl` (docs/rgb.md), and set the config\'s rgb_root to VIDEO_DIR.')


@DATASETS.register_module()
class RGBPoseDataset(MGPoseDataset):
    """:class:`MGPoseDataset` whose samples also carry their RGB source (``filename``, ``rgb_frame_inds``).

    Args:
        ann_file: Annotation pickle written by ``tools/data/pair_rgb.py``.
        pipeline: Data transforms (``MMUniformSampleFrames``, ``RGBPoseDecode``, ...).
        rgb_root: Folder the ``rgb`` paths are relative to (the VIDEO_DIR given to ``tools/data/pair_rgb.py``).
        check_rgb: Check at start-up that every RGB source exists (one ``stat`` per clip).
        **kwargs: Passed to :class:`MGPoseDataset` (split, layout, label_embeddings, skip_invalid, ...).
    """

    def __init__(self, ann_file: str, pipeline: list, rgb_root: str | None = None, check_rgb: bool = True,
                 **kwargs) -> None:
        self.rgb_root = rgb_root
        self.check_rgb = check_rgb
        if rgb_root is not None and check_rgb and not os.path.isdir(rgb_root):
            raise FileNotFoundError(f'rgb_root {rgb_root} (RGB videos / frame folders) does not exist. '
                                    + PAIR_HINT)
        super().__init__(ann_file, pipeline, **kwargs)

    def rgb_path(self, rel: str) -> str:
        return rel if os.path.isabs(rel) or self.rgb_root is None else os.path.join(self.rgb_root, rel)

    def load_data_list(self) -> list[dict]:
        annos = super().load_data_list()
        report = ValidationReport(self.ann_file)
        for ann in annos:
            self._attach_rgb(ann, report)
        if not report.ok:
            if not self.skip_invalid:
                raise AnnotationError(report, PAIR_HINT + ' Or pass skip_invalid=True (tools: --skip-invalid) '
                                      'to drop these samples.')
            MMLogger.get_current_instance().warning(
                report.format() + f'\n{len(report.bad_samples)} sample(s) dropped (skip_invalid).')
            annos = [a for a in annos if str(a['frame_dir']) not in report.bad_samples]
        return annos

    def _attach_rgb(self, ann: dict, report: ValidationReport) -> None:
        name = str(ann['frame_dir'])
        rel = ann.get('rgb')
        if not isinstance(rel, str) or not rel:
            report.add(name, 'rgb', 'missing: the annotation has no RGB source (video or frame folder)')
            return
        path = self.rgb_path(rel)
        if self.check_rgb and not os.path.exists(path):
            report.add(name, 'rgb', f'{path} does not exist')
            return
        t = int(ann['total_frames'])
        inds = ann.get('rgb_frame_inds')
        if inds is None:
            inds = np.arange(t)
        inds = np.asarray(inds)
        if inds.ndim != 1 or len(inds) != t or not np.issubdtype(inds.dtype, np.integer):
            report.add(name, 'rgb_frame_inds', f'must be {t} integers (one per skeleton frame), got '
                       f'{inds.dtype} {inds.shape}')
            return
        if t and inds.min() < 0:
            report.add(name, 'rgb_frame_inds', f'negative frame index {int(inds.min())}')
            return
        total = ann.get('rgb_total_frames')
        if total is not None and t and inds.max() >= int(total):
            report.add(name, 'rgb_frame_inds', f'frame {int(inds.max())} needed but the RGB source has {total}')
            return
        ann['filename'] = path
        ann['rgb_frame_inds'] = inds.astype(np.int64)
