"""Pairing skeleton annotations with their RGB clips (the work of ``tools/data/pair_rgb.py``).

An annotation is matched, in this order, with

1. a video file or frame folder named after its clip id (``frame_dir``): a clip video. Skeleton frame ``t``
   is frame ``t`` of it, unless the skeleton was extracted from this very file (``video == frame_dir``) with
   ``frame_inds`` recorded (``tools/data/extract_pose.py --stride``): then frame ``frame_inds[t]``;
2. the video named by its ``video`` field, at its ``frame_inds`` (clips that ``tools/data/extract_pose.py
   --label-csv`` cut from a long video).

Every source is opened (and by default its first and last needed frames decoded) once; clips whose source is
missing, unreadable, or too short for their skeleton are left out and reported, as are sources no clip uses.
"""
from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..fileio.atomic import atomic_open
from ..fileio.video import IMAGE_EXTS, VIDEO_EXTS, VideoReadError, count_frames, read_frames

CHECKS = ('exists', 'count', 'decode')
MATCHES = ('auto', 'clip', 'video')


@dataclass
class PairReport:
    """What was paired, and every clip or source left out with the reason."""

    paired: list[str] = field(default_factory=list)
    no_rgb: list[str] = field(default_factory=list)                       # clip ids without an RGB source
    bad_source: list[tuple[str, str]] = field(default_factory=list)       # (clip id, reason)
    frame_mismatch: list[tuple[str, str]] = field(default_factory=list)   # (clip id, reason)
    unused_sources: list[str] = field(default_factory=list)               # sources no clip was paired with
    ambiguous_names: dict[str, list[str]] = field(default_factory=dict)   # name -> several paths
    split_dropped: dict[str, int] = field(default_factory=dict)           # split -> ids left out
    by_video: int = 0                                                     # clips read from a long video

    @property
    def skipped(self) -> int:
        return len(self.no_rgb) + len(self.bad_source) + len(self.frame_mismatch)

    def summary(self, limit: int = 10) -> str:
        lines = [f'paired {len(self.paired)} clips ({self.by_video} from long videos at their frame_inds); '
                 f'skipped {self.skipped}']
        for title, items in (('no RGB source (clip id / video not found)', self.no_rgb),
                             ('unreadable RGB source', self.bad_source),
                             ('RGB source does not fit the skeleton', self.frame_mismatch),
                             ('RGB sources with no skeleton clip', self.unused_sources)):
            if items:
                lines.append(f'  {len(items)} {title}:')
                lines += [f'    {x if isinstance(x, str) else f"{x[0]}: {x[1]}"}' for x in items[:limit]]
                if len(items) > limit:
                    lines.append(f'    ... and {len(items) - limit} more (see --report)')
        if self.ambiguous_names:
            lines.append(f'  {len(self.ambiguous_names)} names found more than once (not used): '
                         f'{sorted(self.ambiguous_names)[:limit]}')
        for split, n in self.split_dropped.items():
            lines.append(f'  split {split!r}: {n} id(s) dropped')
        return '\n'.join(lines)

    def to_json(self, path: str) -> None:
        with atomic_open(path, 'w') as f:
            json.dump(dict(paired=self.paired, no_rgb=self.no_rgb, bad_source=self.bad_source,
                           frame_mismatch=self.frame_mismatch, unused_sources=self.unused_sources,
                           ambiguous_names=self.ambiguous_names, split_dropped=self.split_dropped), f, indent=1)


def index_sources(root: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Videos and frame folders under ``root`` (recursively) by name (file stem / folder name), as paths
    relative to ``root``; and the names found more than once (ambiguous, left out)."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f'{root}: no such folder (the RGB clips)')
    found: dict[str, list[str]] = defaultdict(list)
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        rel_dir = os.path.relpath(folder, root)
        if folder != root and any(f.lower().endswith(IMAGE_EXTS) for f in files):
            found[os.path.basename(folder)].append(rel_dir)
            continue  # a frame folder: its images are frames, not clips
        for f in sorted(files):
            stem, ext = os.path.splitext(f)
            if ext.lower() in VIDEO_EXTS:
                found[stem].append(os.path.normpath(os.path.join(rel_dir, f)))
    unique = {k: v[0] for k, v in found.items() if len(v) == 1}
    return unique, {k: v for k, v in found.items() if len(v) > 1}


def pair_annotations(data, root: str, backend: str = 'auto', check: str = 'decode', frame_tolerance: int = 0,
                     match: str = 'auto', log=None) -> tuple[dict, PairReport]:
    """Pair the annotations of ``data`` (a PYSKL dict or list) with the RGB sources under ``root``.

    Returns the combined data (the paired annotations with ``rgb``, ``rgb_frame_inds`` and
    ``rgb_total_frames``; splits restricted to them) and the report.

    Args:
        check: ``'exists'`` (no reading), ``'count'`` (open each source and read its frame count) or
            ``'decode'`` (also decode the first and last frame each clip needs: finds truncated files).
        frame_tolerance: A clip video (matched by clip id, frame ``t`` = skeleton frame ``t``) may have this
            many frames more than the skeleton (containers sometimes count one extra); more is a mismatch.
        match: ``'auto'`` (clip id, then ``video`` + ``frame_inds``), ``'clip'`` or ``'video'`` only. Use
            ``'video'`` when the skeletons were cut from long videos that sit next to clip videos.
    """
    if check not in CHECKS:
        raise ValueError(f'check must be one of {CHECKS}, got {check!r}')
    if match not in MATCHES:
        raise ValueError(f'match must be one of {MATCHES}, got {match!r}')
    annos = data['annotations'] if isinstance(data, dict) else data
    if not isinstance(annos, list):
        raise ValueError('annotation file: expected a dict with an "annotations" list, or a list')
    sources, ambiguous = index_sources(root)
    report = PairReport(ambiguous_names=ambiguous)
    counts: dict[str, int | str] = {}   # rel path -> frame count, or the reason it is unreadable
    used: set[str] = set()
    out = []

    def frames_of(rel: str, clip: str) -> int | None:
        if check == 'exists':
            return None
        if rel not in counts:
            try:
                counts[rel] = count_frames(os.path.join(root, rel), backend, clip=clip)
            except VideoReadError as e:
                counts[rel] = str(e)
        return counts[rel]

    for i, ann in enumerate(annos):
        if not isinstance(ann, dict) or 'frame_dir' not in ann:
            report.bad_source.append((f'#{i}', 'not an annotation dict with a frame_dir'))
            continue
        name = str(ann['frame_dir'])
        # one malformed annotation (frame_inds of text, an unhashable video field, ...) is reported and
        # left out; the other clips are still paired
        try:
            try:
                t = int(ann.get('total_frames', np.shape(ann.get('keypoint'))[1] if 'keypoint' in ann else 0))
            except (TypeError, ValueError, IndexError):
                t = 0
            own_inds = ann.get('frame_inds')
            if t <= 0:
                report.frame_mismatch.append((name, 'no skeleton frames (total_frames missing, 0 or not a number)'))
                continue
            if name in sources and match != 'video':
                rel = sources[name]
                from_video = own_inds is not None and ann.get('video') == name
                inds = np.asarray(own_inds, np.int64) if from_video else np.arange(t, dtype=np.int64)
                identity, via_video = not from_video, False
            elif ann.get('video') in sources and own_inds is not None and match != 'clip':
                rel = sources[ann['video']]
                inds, identity, via_video = np.asarray(own_inds, np.int64), False, True
            else:
                report.no_rgb.append(name)
                continue
            if len(inds) != t:
                report.frame_mismatch.append((name, f'{len(inds)} frame indices for {t} skeleton frames'))
                continue
            n = frames_of(rel, name)
            if isinstance(n, str):
                report.bad_source.append((name, n))
                used.add(rel)
                continue
            if n is not None:
                if inds.max() >= n:
                    report.frame_mismatch.append((name, f'{rel} has {n} frames, the skeleton needs frame '
                                                        f'{int(inds.max())}'))
                    used.add(rel)
                    continue
                if identity and n - t > frame_tolerance:
                    report.frame_mismatch.append((name, f'{rel} has {n} frames, the skeleton {t} (allowed: '
                                                        f'{frame_tolerance} more): a different clip or frame rate?'))
                    used.add(rel)
                    continue
            if check == 'decode':
                try:
                    read_frames(os.path.join(root, rel), [int(inds.min()), int(inds.max())], backend, clip=name)
                except VideoReadError as e:
                    report.bad_source.append((name, str(e)))
                    used.add(rel)
                    continue
            used.add(rel)
            new = dict(ann, rgb=rel.replace(os.sep, '/'), rgb_frame_inds=inds.astype(np.int32))
            if n is not None:
                new['rgb_total_frames'] = int(n)
            out.append(new)
            report.paired.append(name)
            report.by_video += int(via_video)
            if log and len(out) % 500 == 0:
                log(f'  {len(out)} clips paired')
        except Exception as e:  # noqa: BLE001
            report.bad_source.append((name, f'annotation: {type(e).__name__}: {e}'))
    report.unused_sources = sorted(set(sources.values()) - used)

    if not isinstance(data, dict):
        return out, report
    kept = set(report.paired)
    combined = dict(data, annotations=out)
    if isinstance(data.get('split'), dict):
        combined['split'] = {}
        for split, ids in data['split'].items():
            keep = [x for x in ids if x in kept]
            if len(keep) != len(ids):
                report.split_dropped[split] = len(ids) - len(keep)
            combined['split'][split] = keep
    return combined, report
