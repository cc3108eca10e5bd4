"""``MGPoseDataset``: mmaction2's PoseDataset with safe loading, validation and per-sample label embeddings."""
from __future__ import annotations

import os

import numpy as np
from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from mmengine.logging import MMLogger

from ..config_checks import clip_length_pitfalls, log_pitfalls
from ..embeddings import load_label_embeddings
from ..fileio import load_pickle
from ..layouts import get_layout
from .validation import AnnotationError, is_unlabelled, validate_annotations

PREPARE_HINT = ('Prepare it as described in docs/data.md, e.g. '
                '`python tools/data/convert_miga.py --split train=RAW/train --split val=RAW/val --out {path}`, '
                'or point the config at your file '
                '(--cfg-options train_dataloader.dataset.ann_file=...).')


@DATASETS.register_module()
class MGPoseDataset(PoseDataset):
    """Pose-annotation dataset for micro-gestures.

    Args:
        ann_file: PYSKL pickle ``{'split': {...}, 'annotations': [...]}``.
        pipeline: Data transforms.
        split: Which split of ``ann_file`` to use.
        layout: Keypoint layout name the model expects (checked against every sample's joint count).
        label_embeddings: Optional ``.npy`` [C, D]; row ``label`` is attached to each sample as
            ``label_embedding`` (the semantic-embedding loss target).
        skip_invalid: Drop samples with problems (and log the report) instead of failing.
        unsafe_pickle: Load ``ann_file`` with plain ``pickle`` (runs any code in it: only for files you trust).
        **kwargs: Passed to :class:`mmaction.datasets.PoseDataset` (num_classes, test_mode, ...).
    """

    def __init__(self, ann_file: str, pipeline: list, split: str | None = None, layout: str = 'miga22',
                 label_embeddings: str | None = None, skip_invalid: bool = False, unsafe_pickle: bool = False,
                 **kwargs) -> None:
        self.layout = get_layout(layout)
        self.label_embeddings_file = label_embeddings
        self.skip_invalid = skip_invalid
        self.unsafe_pickle = unsafe_pickle
        self.validation_report = None
        if not os.path.isfile(ann_file):
            raise FileNotFoundError(f'annotation file {ann_file} does not exist. ' +
                                    PREPARE_HINT.format(path=ann_file))
        super().__init__(ann_file, pipeline, split=split, **kwargs)

    def load_data_list(self) -> list[dict]:
        data = load_pickle(self.ann_file, unsafe=self.unsafe_pickle)
        annos, report = validate_annotations(
            data, self.ann_file, num_joints=self.layout.num_joints,
            num_classes=self.num_classes if self.num_classes else None,
            split=self.split, require_label=not (self.test_mode and self._unlabelled(data)))
        self.validation_report = report
        logger = MMLogger.get_current_instance()
        if report.nonfinite_joints:
            logger.warning(f'{self.ann_file}: {report.nonfinite_joints} joint detections with NaN/inf '
                           'coordinates or scores were treated as missing (score 0)')
        if not report.ok:
            if report.file_level or not self.skip_invalid:
                raise AnnotationError(report, '' if report.file_level else
                                      'Pass skip_invalid=True (tools: --skip-invalid) to drop these samples.')
            logger.warning(report.format() + f'\n{len(report.bad_samples)} sample(s) dropped (skip_invalid).')
            annos = [a for a in annos if str(a.get('frame_dir')) not in report.bad_samples]

        # clip_len against this split's clips: only the loaded data can tell (config_checks)
        frames = [a.get('total_frames') or np.shape(a['keypoint'])[1] for a in annos
                  if a.get('total_frames') or np.ndim(a.get('keypoint')) == 4]  # [M, T, V, C]
        log_pitfalls(clip_length_pitfalls(frames, getattr(self.pipeline, 'transforms', []),
                                          f'{self.ann_file} split {self.split}'), logger)
        if isinstance(data, dict) and 'label_names' in data and 'classes' not in self._metainfo:
            self._metainfo['classes'] = tuple(data['label_names'])
        if self.label_embeddings_file:
            emb = load_label_embeddings(self.label_embeddings_file, self.num_classes or None)
            for a in annos:
                if not is_unlabelled(a) and int(a['label']) < len(emb):
                    a['label_embedding'] = emb[int(a['label'])]
        return annos

    def get_data_info(self, idx: int) -> dict:
        """mmaction's PoseDataset reads ``data_prefix['skeleton']/<frame_dir>.pkl`` (a name taken from the
        annotation file) with plain ``pickle``; read it through the allow-list instead."""
        if 'skeleton' not in self.data_prefix:
            return super().get_data_info(idx)
        info = super(PoseDataset, self).get_data_info(idx)
        path = os.path.join(self.data_prefix['skeleton'], f'{info.get("filename", info["frame_dir"])}.pkl')
        skeleton = load_pickle(path, unsafe=self.unsafe_pickle)
        if not isinstance(skeleton, dict):
            raise ValueError(f'{path}: expected a dict of annotation fields, got {type(skeleton).__name__}')
        info.update(skeleton)
        return info

    @staticmethod
    def _unlabelled(data) -> bool:
        annos = data.get('annotations', []) if isinstance(data, dict) else data
        return isinstance(annos, list) and any(isinstance(a, dict) and is_unlabelled(a) for a in annos)
