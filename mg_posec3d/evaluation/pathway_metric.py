"""``PathwayScoreMetric``: per-pathway accuracy and score dumps of a two-stream (RGB + pose) model."""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from mmaction.evaluation import mean_class_accuracy, top_k_accuracy
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from ..fileio import save_scores
from ..models.rgbpose_head import PATHWAYS


@METRICS.register_module()
class PathwayScoreMetric(BaseMetric):
    """Per-pathway accuracy of a two-stream model and, with ``out_file``, per-pathway score dumps.

    Reads the ``rgb_score`` / ``pose_score`` that
    :class:`~mg_posec3d.models.rgbpose_head.RGBPoseSemanticHead` attaches. Logs
    ``pathway/{p}_top1``, ``{p}_top{k}`` and ``{p}_mean_class`` when labels are known. With
    ``out_file='DIR/scores.npz'`` it writes ``DIR/scores_rgb.npz`` and ``DIR/scores_pose.npz`` (format of
    :func:`mg_posec3d.fileio.save_scores`: ids = ``frame_dir``), ready for ``tools/test.py --ensemble``.

    Args:
        out_file: Stem of the dumps (``_<pathway>`` is added before the extension); None: no dump.
        pathways: Which pathway scores to evaluate / dump.
        topk: The k of the top-k accuracies.
    """

    default_prefix = 'pathway'

    def __init__(self, out_file: str | None = None, pathways: Sequence[str] = PATHWAYS, topk=(1, 5),
                 collect_device: str = 'cpu', prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file = out_file
        self.pathways = tuple(pathways)
        self.topk = tuple(topk)

    def process(self, data_batch, data_samples) -> None:
        for ds in data_samples:
            missing = [p for p in self.pathways if f'{p}_score' not in ds]
            if missing:
                raise KeyError(f'PathwayScoreMetric: no {missing[0]}_score in the model output; it needs a '
                               'two-stream model with RGBPoseSemanticHead')
            label = ds.get('gt_label', None)
            label = int(label.item()) if label is not None and label.numel() == 1 else -1
            scores = {p: ds[f'{p}_score'].detach().float().cpu().numpy() for p in self.pathways}
            self.results.append((str(ds.get('frame_dir', len(self.results))), scores, label))

    def dump_path(self, pathway: str) -> str:
        # per-pathway dumps are always ours (.npz), also next to an mmaction2-format X.pkl dump
        stem, ext = os.path.splitext(self.out_file)
        return f'{stem if ext in (".npz", ".pkl", ".pickle") else self.out_file}_{pathway}.npz'

    def compute_metrics(self, results: list) -> dict:
        ids = [r[0] for r in results]
        labels = np.array([r[2] for r in results])
        metrics = {}
        for p in self.pathways:
            scores = np.stack([r[1][p] for r in results])
            if self.out_file:
                save_scores(self.dump_path(p), ids, scores, labels)
            if len(labels) and (labels >= 0).all():
                for k, acc in zip(self.topk, top_k_accuracy(scores, labels, self.topk)):
                    metrics[f'{p}_top{k}'] = float(acc)
                metrics[f'{p}_mean_class'] = float(mean_class_accuracy(scores, labels))
        return metrics
