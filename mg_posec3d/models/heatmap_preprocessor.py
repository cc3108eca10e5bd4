"""On-device heatmap rendering: the data preprocessor renders the pose heatmaps of a whole batch.

With ``PackPoseForHeatmap`` in the pipeline (instead of ``GeneratePoseTarget``) the data loader only moves
the sampled/cropped keypoints (a few KB per clip instead of ~13 MB of heatmaps); this preprocessor renders
them on the model's device with the same output as ``GeneratePoseTarget`` + ``FormatShape('NCTHW_Heatmap')``
(to ~2e-7), including test-time multi-clip and ``double`` (flip) views: [B, views, C, T, H, W], which
``Recognizer3D`` folds into its batch and averages per sample. Inputs without ``heatmap_cfg`` (heatmaps made
in the pipeline) pass through as in ``ActionDataPreprocessor``.
"""
from __future__ import annotations

import torch
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.registry import MODELS

from ..heatmaps.render import render_batch


def stack_keypoints(inputs: list[torch.Tensor]) -> torch.Tensor:
    """Stack per-sample packed keypoints [num_clips, M_i, T, V, 3] into [B, num_clips, M, T, V, 3], padding
    persons with zeros (score 0: never drawn)."""
    shapes = {(x.ndim, x.shape[0], *x.shape[2:]) for x in inputs}
    if len(shapes) != 1 or inputs[0].ndim != 5 or inputs[0].shape[-1] != 3:
        raise ValueError('packed keypoints must all be [num_clips, M, T, V, 3] with equal num_clips, T and V '
                         f'(FormatShape("NCTHW_Heatmap") after PackPoseForHeatmap); got '
                         f'{[tuple(x.shape) for x in inputs]}')
    num_m = max(x.shape[1] for x in inputs)
    out = inputs[0].new_zeros((len(inputs), inputs[0].shape[0], num_m) + tuple(inputs[0].shape[2:]))
    for i, x in enumerate(inputs):
        out[i, :, :x.shape[1]] = x
    return out


@MODELS.register_module()
class HeatmapDataPreprocessor(ActionDataPreprocessor):
    """``ActionDataPreprocessor`` that renders pose heatmaps from packed keypoints on the model's device.

    Args:
        backend (str): 'auto' (NumPy on the CPU, where it is fastest; torch elsewhere), 'numpy' or 'torch'.
        **kwargs: ``ActionDataPreprocessor``'s arguments (``format_shape='NCTHW'`` for 3D models).
    """

    def __init__(self, backend: str = 'auto', format_shape: str = 'NCTHW', **kwargs) -> None:
        super().__init__(format_shape=format_shape, **kwargs)
        if backend not in ('auto', 'numpy', 'torch'):
            raise ValueError(f'backend must be auto, numpy or torch, got {backend!r}')
        self.backend = backend

    def preprocess(self, inputs, data_samples, training: bool = False):
        cfgs = [None if ds is None else ds.metainfo.get('heatmap_cfg') for ds in (data_samples or [None])]
        if all(c is None for c in cfgs):
            return super().preprocess(inputs, data_samples, training)
        if any(c is None for c in cfgs) or any(c != cfgs[0] for c in cfgs):
            raise ValueError('a batch mixes samples with different (or no) heatmap_cfg; use one pipeline')
        batch = render_batch(stack_keypoints(list(inputs)), cfgs[0], self.backend)
        # the rest of ActionDataPreprocessor.preprocess (heatmaps have no RGB order to swap)
        if self._enable_normalize:
            batch = (batch - self.mean) / self.std
        if training and self.blending is not None:
            batch, data_samples = self.blending(batch, data_samples)
        return batch, data_samples
