"""Score dumps written during testing: ``ScoreDumpMetric`` (our ``.npz``: per-sample class probabilities with
their ``frame_dir`` ids) and ``MMActionDumpResults`` (mmaction2's ``--dump X.pkl`` format)."""
from __future__ import annotations

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric, DumpResults
from mmengine.fileio import dump

from ..fileio import atomic_open, save_scores


@METRICS.register_module()
class ScoreDumpMetric(BaseMetric):
    """Collects ``pred_score`` (clip-averaged probabilities), ``gt_label`` (-1 if absent) and the sample id
    (``frame_dir`` meta key), and writes them as a score dump (see :mod:`mg_posec3d.fileio.scores`).

    Args:
        out_file: ``.npz`` path of the dump.
        class_names: Optional class names stored with the scores.
    """

    default_prefix = 'dump'

    def __init__(self, out_file: str, class_names=None, collect_device: str = 'cpu',
                 prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file = out_file
        self.class_names = class_names

    def process(self, data_batch, data_samples) -> None:
        for ds in data_samples:
            score = ds['pred_score']
            score = score.float().cpu().numpy() if isinstance(score, torch.Tensor) else np.asarray(score)
            if 'frame_dir' not in ds:
                raise KeyError("ScoreDumpMetric needs the sample id: pack it with "
                               "PackActionInputs(meta_keys=('frame_dir', ...))")
            label = ds.get('gt_label', None)
            label = int(label.item()) if label is not None and label.numel() == 1 else -1
            self.results.append((str(ds['frame_dir']), score, label))

    def compute_metrics(self, results: list) -> dict:
        ids = [r[0] for r in results]
        names = self.class_names or (self.dataset_meta or {}).get('classes')  # the test set's label_names
        save_scores(self.out_file, ids, np.stack([r[1] for r in results]), np.array([r[2] for r in results]),
                    names)
        return {}


@METRICS.register_module()
class MMActionDumpResults(DumpResults):
    """What mmaction2's ``tools/test.py --dump X.pkl`` adds to the evaluators (mmengine's ``DumpResults``: the
    list of per-sample result dicts, ``pred_score`` / ``gt_label`` / ``pred_label`` tensors and the meta keys,
    pickled by ``mmengine.dump``), written atomically like every output of ours, so that mmaction2's own
    ``report_accuracy.py`` and confusion-matrix tools read it."""

    def compute_metrics(self, results: list) -> dict:
        with atomic_open(self.out_file_path, 'wb') as f:
            dump(results, f, file_format='pkl')
        return {}
