"""Remap a PYSKL/mmaction2 pose-annotation pickle from a source keypoint layout into its model layout (miga22).

(:class:`ConversionReport` lives in :mod:`mg_posec3d.annotations`.)
"""
from __future__ import annotations

import numpy as np

from ..annotations import ConversionReport
from ..layouts import SourceLayout, get_source_layout, map_keypoints


def remap_annotation(ann: dict, source: str | SourceLayout, dtype=np.float32) -> dict:
    """Return a copy of one annotation with ``keypoint``/``keypoint_score`` mapped to miga22."""
    kp, sc = map_keypoints(ann['keypoint'], ann['keypoint_score'], source)
    out = {k: v for k, v in ann.items() if k not in ('keypoint', 'keypoint_score')}
    out['keypoint'] = kp.astype(dtype)
    out['keypoint_score'] = sc.astype(dtype)
    return out


def remap_dataset(data: dict, source: str | SourceLayout, dtype=np.float32,
                  report: ConversionReport | None = None) -> dict:
    """Remap every annotation of a ``{'split', 'annotations', ...}`` dict; other top-level keys are kept."""
    src = get_source_layout(source)
    report = report if report is not None else ConversionReport()
    annos = []
    for i, ann in enumerate(data['annotations']):
        name = ann.get('frame_dir', f'#{i}') if isinstance(ann, dict) else f'#{i}'
        # one bad annotation is skipped and reported, whatever the error: the others are still converted
        try:
            if not isinstance(ann, dict):
                raise ValueError(f'annotation #{i} is not a dict but {type(ann).__name__}')
            if not isinstance(name, str):
                raise ValueError(f'annotation #{i}: frame_dir must be a string, got {type(name).__name__}')
            new = remap_annotation(ann, src, dtype)
            if new['keypoint'].ndim != 4:
                raise ValueError(f'{name}: keypoint must be [M, T, V, 2], got shape {new["keypoint"].shape}')
        except Exception as e:  # noqa: BLE001
            reason = str(e) if isinstance(e, (KeyError, ValueError)) else f'{type(e).__name__}: {e}'
            report.skip(str(name)[:80], reason[:120])
            continue
        annos.append(new)
        report.clips += 1
        report.frames += int(new['keypoint'].shape[1])
    out = {k: v for k, v in data.items() if k not in ('annotations', 'joint_names')}
    kept = {a['frame_dir'] for a in annos}
    if 'split' in data:
        split = data['split']
        if not (isinstance(split, dict) and all(isinstance(v, (list, tuple)) for v in split.values())):
            raise ValueError('field split: expected a dict of id lists, e.g. {"train": ["clip1", ...]}')
        out['split'] = {k: [x for x in v if isinstance(x, str) and x in kept] for k, v in split.items()}
    out['annotations'] = annos
    out['layout'] = src.target
    out['source_layout'] = src.name
    return out
