"""PathwayScoreMetric on the real outputs of the two-stream head: per-pathway top-1 against a hand computation
from the scores the head attached, and the per-pathway dumps read back."""
import numpy as np
import pytest
import torch

from mg_posec3d.evaluation.pathway_metric import PathwayScoreMetric
from mg_posec3d.fileio import load_scores
from tests.models.test_rgbpose_head import feats, head, samples


def test_pathway_metric_accuracy_and_dumps(tmp_path):
    h = head().eval()
    with torch.no_grad():
        out = h.predict(feats(n=4), samples([0, 1, 2, 2]))
    metric = PathwayScoreMetric(out_file=str(tmp_path / 'scores.npz'), topk=(1, 2))
    metric.process({}, [d.to_dict() for d in out])
    res = metric.compute_metrics(metric.results)
    labels = np.array([0, 1, 2, 2])
    for p in ('rgb', 'pose'):
        s = np.stack([getattr(d, f'{p}_score').numpy() for d in out])
        assert res[f'{p}_top1'] == pytest.approx(np.mean(s.argmax(1) == labels))
        dump = load_scores(tmp_path / f'scores_{p}.npz')
        assert list(dump.ids) == ['clip0', 'clip1', 'clip2', 'clip3'] and list(dump.labels) == [0, 1, 2, 2]
        np.testing.assert_allclose(dump.scores, s, rtol=1e-6)
    with pytest.raises(KeyError, match='RGBPoseSemanticHead'):
        metric.process({}, [dict(pred_score=torch.ones(3), frame_dir='x')])
