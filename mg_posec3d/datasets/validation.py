"""Validation of PYSKL pose-annotation files: every problem listed at once (file, sample, field).

NaN/inf coordinates are not errors: pose estimators write them for missing joints, so they become missing
joints (coordinates 0, score 0) and are counted. Everything else that would crash or silently corrupt
training (shape mismatches, wrong joint count, bad labels, duplicate ids, empty clips or splits, values of the
wrong type such as ``total_frames='10'`` or complex keypoints) is reported. Values are quoted in messages
through a bounded repr, so even a list nested 100,000 deep gives one short line, never a RecursionError.
"""
from __future__ import annotations

import reprlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..annotations.splits import no_val_hint

REQUIRED = ('frame_dir', 'total_frames', 'keypoint', 'keypoint_score')


@dataclass
class ValidationReport:
    source: str
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (sample, field, message)
    nonfinite_joints: int = 0
    bad_samples: set[str] = field(default_factory=set)
    file_level: bool = False  # a problem that no sample-skipping can fix

    def add(self, sample: str, field_: str, message: str, file_level: bool = False) -> None:
        self.problems.append((sample, field_, message))
        if file_level:
            self.file_level = True
        else:
            self.bad_samples.add(sample)

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self, limit: int = 40) -> str:
        lines = [f'{self.source}: {len(self.problems)} problem(s) in {len(self.bad_samples)} sample(s):']
        for sample, field_, msg in self.problems[:limit]:
            lines.append(f"  sample {sample!r}, field '{field_}': {msg}")
        if len(self.problems) > limit:
            counts = Counter(f for _, f, _ in self.problems[limit:])
            lines.append(f'  ... and {len(self.problems) - limit} more ({dict(counts)})')
        return '\n'.join(lines)


class AnnotationError(ValueError):
    """Raised with the full report when an annotation file has problems."""

    def __init__(self, report: ValidationReport, hint: str = ''):
        self.report = report
        super().__init__(report.format() + (f'\n{hint}' if hint else ''))


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 3, 60, 60, 6, 6, 4


def short_repr(x) -> str:
    """``repr`` for messages: bounded depth and length (a deeply nested list would overflow ``repr``)."""
    return _REPR.repr(x)


def _keys(d: dict) -> list[str]:
    """A dict's keys for a message, sorted even when they mix types (``sorted`` alone raises then)."""
    return sorted(k if isinstance(k, str) else short_repr(k) for k in d)[:8]


def validate_annotations(data, source: str, num_joints: int | None = None, num_classes: int | None = None,
                         split: str | None = None, require_label: bool = True
                         ) -> tuple[list[dict], ValidationReport]:
    """Check (and lightly clean) an annotation file's content.

    Returns the annotations of ``split`` (all of them when ``split`` is None) with float32 keypoints and
    non-finite coordinates turned into missing joints, and a report of every problem found. Samples with
    problems are still returned; the caller decides whether to raise or drop ``report.bad_samples``.
    """
    report = ValidationReport(source)
    if isinstance(data, list):
        annos, splits = data, None
    elif isinstance(data, dict):
        if 'annotations' not in data:
            report.add('-', 'annotations', f'top-level dict has no "annotations" list (keys: {_keys(data)})', True)
            return [], report
        annos, splits = data['annotations'], data.get('split')
    else:
        report.add('-', '<top level>', f'expected a dict with "split" and "annotations" (or a list of '
                   f'annotations), got {type(data).__name__}', True)
        return [], report
    if not isinstance(annos, list):
        report.add('-', 'annotations', f'must be a list, got {type(annos).__name__}', True)
        return [], report
    if isinstance(data, dict) and 'label_names' in data:
        names = data['label_names']
        if not (isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names)):
            report.add('-', 'label_names', f'must be a list of class names (strings), got {short_repr(names)}',
                       True)

    if split is not None:
        if not isinstance(splits, dict):
            report.add('-', 'split', f'split {split!r} requested but the file has no "split" dict', True)
            return [], report
        if split not in splits:
            hint = f'; {no_val_hint(source)}' if split == 'val' and 'train' in splits else ''
            report.add('-', 'split', f'no split {split!r}; the file has {_keys(splits)}{hint}', True)
            return [], report
        ids = splits[split]
        # a string would be read as a list of one-character ids, an int not at all
        if not isinstance(ids, (list, tuple)):
            report.add('-', f'split[{split!r}]', f'must be a list of frame_dir ids, got {type(ids).__name__} '
                       f'{short_repr(ids)}', True)
            return [], report
        bad_ids = [x for x in ids if not isinstance(x, str)]
        if bad_ids:
            report.add('-', f'split[{split!r}]', f'{len(bad_ids)} id(s) are not strings, e.g. '
                       f'{short_repr(bad_ids[0])}', True)
            return [], report
        if len(ids) == 0:
            report.add('-', f'split[{split!r}]', 'is empty', True)
            return [], report

    seen: Counter = Counter()
    for i, ann in enumerate(annos):
        if not isinstance(ann, dict):
            report.add(f'#{i}', '<annotation>', f'must be a dict, got {type(ann).__name__}')
        elif 'frame_dir' in ann and not isinstance(ann['frame_dir'], str):
            report.add(f'#{i}', 'frame_dir', f'must be a string, got {type(ann["frame_dir"]).__name__} '
                       f'{short_repr(ann["frame_dir"])}')
        else:
            seen[ann.get('frame_dir', f'#{i}')] += 1
    for name, n in seen.items():
        if n > 1:
            report.add(name, 'frame_dir', f'duplicate id: appears {n} times')

    wanted = None
    if split is not None:
        wanted = list(splits[split])
        missing = [x for x in wanted if x not in seen]
        for name in missing[:20]:
            report.add(name, 'split', f'listed in split {split!r} but has no annotation')
        if len(missing) > 20:
            report.add('-', 'split', f'{len(missing) - 20} more ids of split {split!r} have no annotation',
                       True)
        wanted_set = set(wanted)

    out = []
    for i, ann in enumerate(annos):
        if not isinstance(ann, dict) or not isinstance(ann.get('frame_dir', ''), str):
            continue   # reported above; never returned, so skip_invalid drops it
        name = ann.get('frame_dir', f'#{i}')
        if wanted is not None and name not in wanted_set:
            continue
        out.append(_check_one(ann, name, report, num_joints, num_classes, require_label))
    return out, report


def _check_one(ann: dict, name: str, report: ValidationReport, num_joints, num_classes,
               require_label: bool) -> dict:
    keys = REQUIRED + (('label',) if require_label else ())
    for k in keys:
        if k not in ann:
            report.add(name, k, 'missing')
    if any(k not in ann for k in REQUIRED):
        return ann
    ann = dict(ann)
    kp, sc = ann['keypoint'], ann['keypoint_score']
    if not isinstance(kp, np.ndarray) or not isinstance(sc, np.ndarray):
        report.add(name, 'keypoint', f'keypoint and keypoint_score must be numpy arrays, got '
                   f'{type(kp).__name__} and {type(sc).__name__}')
        return ann
    bad_dtype = False
    for field_, arr in (('keypoint', kp), ('keypoint_score', sc)):
        if arr.dtype.kind == 'c':   # casting to float32 would silently drop the imaginary part
            report.add(name, field_, f'complex numbers ({arr.dtype}); coordinates and scores must be real')
            bad_dtype = True
        elif arr.dtype.kind not in 'fiu':
            what = {'U': 'text', 'S': 'bytes', 'O': 'Python objects', 'b': 'booleans'}.get(arr.dtype.kind, 'other')
            report.add(name, field_, f'dtype {arr.dtype} ({what}): must hold real numbers')
            bad_dtype = True
    if bad_dtype:
        return ann
    if kp.ndim != 4 or kp.shape[-1] != 2:
        report.add(name, 'keypoint', f'shape {kp.shape}, expected [M, T, V, 2]')
        return ann
    if sc.shape != kp.shape[:3]:
        report.add(name, 'keypoint_score', f'shape {sc.shape} does not match keypoint {kp.shape[:3]} [M, T, V]')
        return ann
    m, t, v = kp.shape[:3]
    if num_joints is not None and v != num_joints:
        report.add(name, 'keypoint', f'{v} joints, but the layout has {num_joints}')
    if m == 0:
        report.add(name, 'keypoint', 'no person (M = 0)')
    if t == 0:
        report.add(name, 'total_frames', 'zero-frame clip')
    total = ann['total_frames']
    if not _int_like(total):   # '10' or 10.9 would pass int() here and fail inside mmaction2's sampling
        report.add(name, 'total_frames', f'not an integer: {short_repr(total)}')
    elif int(total) != t:
        report.add(name, 'total_frames', f'{int(total)} but keypoint has {t} frames')
    if 'img_shape' in ann:
        shp = ann['img_shape']
        if not (isinstance(shp, (tuple, list)) and len(shp) == 2 and all(_pos_int(s) for s in shp)):
            report.add(name, 'img_shape', f'expected (height, width) positive ints, got {short_repr(shp)}')
    if 'label' in ann:
        lab = ann['label']
        if not require_label and _int_like(lab) and int(lab) == -1:
            pass  # -1: unlabelled (test splits, tools/data/extract_pose.py without labels)
        elif not _int_like(lab):
            report.add(name, 'label', f'not an integer: {short_repr(lab)}')
        elif num_classes is not None and not 0 <= int(lab) < num_classes:
            report.add(name, 'label', f'{int(lab)} outside [0, {num_classes}) for {num_classes} classes')
    kp = kp.astype(np.float32)
    sc = sc.astype(np.float32)
    bad = ~np.isfinite(kp).all(-1) | ~np.isfinite(sc)
    if bad.any():
        report.nonfinite_joints += int(bad.sum())
        kp[bad] = 0
        sc[bad] = 0
    ann['keypoint'], ann['keypoint_score'] = kp, sc
    return ann


def is_unlabelled(ann) -> bool:
    """No label, or the -1 written for unlabelled clips."""
    lab = ann.get('label') if isinstance(ann, dict) else None
    return lab is None or (_int_like(lab) and int(lab) < 0)


def _int_like(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _pos_int(x) -> bool:
    return _int_like(x) and int(x) > 0
