"""``PackPoseForHeatmap``: the pipeline keeps the keypoints; ``HeatmapDataPreprocessor`` renders them."""
from __future__ import annotations

from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...heatmaps.render import heatmap_cfg, output_hw, pack_keypoints, prepare_keypoints
from .results import sample_name


@TRANSFORMS.register_module()
class PackPoseForHeatmap(BaseTransform):
    """Keep the keypoints for on-device rendering by ``HeatmapDataPreprocessor`` (no heatmaps on the CPU).

    Takes ``GeneratePoseTarget``'s arguments and goes where it goes, before
    ``FormatShape('NCTHW_Heatmap')``; add ``'heatmap_cfg'`` to ``PackActionInputs(meta_keys=...)``.
    Writes ``imgs`` = [T, M, V, 3] float32 (x, y, score; scaled, score 1 when ``use_score`` is off), which
    ``FormatShape('NCTHW_Heatmap')`` turns into [num_clips, M, clip_len, V, 3], and ``heatmap_cfg`` (the
    render arguments plus the output ``hw``).
    """

    def __init__(self, **kwargs) -> None:
        self.cfg = heatmap_cfg(**kwargs)

    def transform(self, results: dict) -> dict:
        where = sample_name(results)
        if 'imgs' in results:
            raise ValueError(f'{where}: PackPoseForHeatmap writes `imgs`, which already exists '
                             '(RGB + pose pipelines need GeneratePoseTarget/FastGeneratePoseTarget)')
        kps, scores = prepare_keypoints(results['keypoint'], results.get('keypoint_score'), self.cfg, where)
        results['imgs'] = pack_keypoints(kps, scores)
        results['heatmap_cfg'] = dict(self.cfg, hw=output_hw(results['img_shape'], self.cfg['scaling']))
        return results

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v}' for k, v in self.cfg.items())
        return f'{self.__class__.__name__}({args})'
