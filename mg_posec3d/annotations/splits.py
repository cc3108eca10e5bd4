"""Carve a validation split out of a training split by whole videos (or subjects), never splitting one.

The challenges ship train and test only; a validation split must not share a video with training (clips of one
long video are near-duplicates). The MiGA 2025 validation set is 10 whole iMiGUE videos (0001-0004, 0006-0011,
777 clips). :func:`carve_split` moves every clip of the chosen videos from one split into a new one.
"""
from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

import numpy as np

GROUP_KEYS = ('video', 'subject')
_CLIP_SUFFIX = re.compile(r'_\d+$')
# the MiGA 2025 validation videos (momiji-bit/MM-Gesture dataset/iMiGUE_val_clips_list.txt: 777 clips)
MIGA2025_VAL_VIDEOS = ('0001', '0002', '0003', '0004', '0006', '0007', '0008', '0009', '0010', '0011')


def group_of(ann: dict, by: str = 'video') -> str:
    """The video (``video`` field, else the clip id without its ``_<row>`` suffix) or the ``subject`` of a
    clip."""
    if by == 'subject':
        if 'subject' not in ann:
            raise ValueError(f"clip {ann.get('frame_dir')!r} has no 'subject' field; use --by video")
        return str(ann['subject'])
    if by != 'video':
        raise ValueError(f'unknown grouping {by!r}; use one of {GROUP_KEYS}')
    if ann.get('video') is not None:
        return str(ann['video'])
    return _CLIP_SUFFIX.sub('', str(ann['frame_dir']))


def groups_of_split(data: dict, split: str, by: str = 'video') -> dict[str, list[str]]:
    """``{group: [clip ids]}`` of one split, groups and clips in file order."""
    splits = data.get('split') if isinstance(data, dict) else None
    if not isinstance(splits, dict) or split not in splits:
        have = sorted(splits) if isinstance(splits, dict) else []
        raise ValueError(f'no split {split!r} to carve from; the file has {have}')
    by_id = {a.get('frame_dir'): a for a in data.get('annotations', []) if isinstance(a, dict)}
    out: dict[str, list[str]] = {}
    for clip in splits[split]:
        if clip not in by_id:
            raise ValueError(f'split {split!r} lists {clip!r}, which has no annotation')
        out.setdefault(group_of(by_id[clip], by), []).append(clip)
    return out


def choose_groups(groups: Sequence[str], num: int, seed: int) -> list[str]:
    """``num`` of ``groups`` chosen with ``seed`` (same seed and groups: same choice), sorted."""
    ordered = sorted(groups)
    if not 0 < num < len(ordered):
        raise ValueError(f'cannot choose {num} of {len(ordered)} videos: keep at least one for training')
    pick = np.random.default_rng(seed).choice(len(ordered), size=num, replace=False)
    return sorted(ordered[i] for i in pick)


def carve_split(data: dict, source: str = 'train', target: str = 'val', groups: Sequence[str] | None = None,
                num_groups: int | None = None, seed: int = 0, by: str = 'video') -> tuple[dict, list[str]]:
    """A copy of ``data`` whose ``target`` split holds every clip of the chosen videos/subjects of ``source``
    (a given list, or ``num_groups`` chosen with ``seed``) and whose ``source`` keeps the rest. Returns the
    new data and the chosen groups. Refuses an existing ``target``, unknown names, and an empty remainder."""
    if (groups is None) == (num_groups is None):
        raise ValueError('give either the videos to move or how many to choose')
    splits = dict(data.get('split') or {})
    if target in splits:
        raise ValueError(f'split {target!r} already exists ({len(splits[target])} clips); name another target '
                         'split or carve from a file without it')
    found = groups_of_split(data, source, by)
    if groups is None:
        chosen = choose_groups(list(found), num_groups, seed)
    else:
        chosen = sorted(dict.fromkeys(str(g) for g in groups))
        unknown = [g for g in chosen if g not in found]
        if unknown:
            raise ValueError(f'{by}(s) {unknown[:5]} not in split {source!r}; it has {len(found)}, e.g. '
                             f'{sorted(found)[:5]}')
        if len(chosen) == len(found):
            raise ValueError(f'moving all {len(found)} {by}s of split {source!r} would leave it empty')
    moved = {c for g in chosen for c in found[g]}
    splits[target] = [c for c in data['split'][source] if c in moved]
    splits[source] = [c for c in data['split'][source] if c not in moved]
    return dict(data, split=splits), chosen


# ------------------------------------------------------------------------------------ the converters' options
def add_val_split_arguments(parser: argparse.ArgumentParser) -> None:
    """``--val-videos A B ... | --num-val-videos N [--seed S]``: the same options on every converter."""
    g = parser.add_mutually_exclusive_group()
    g.add_argument('--val-videos', nargs='+', metavar='VIDEO',
                   help='move every clip of these training videos into a "val" split (MiGA 2025: 0001 0002 0003 '
                        '0004 0006 0007 0008 0009 0010 0011)')
    g.add_argument('--num-val-videos', type=int, metavar='N',
                   help='move every clip of N training videos chosen with --seed into a "val" split')
    parser.add_argument('--seed', type=int, default=0, help='seed for --num-val-videos (default 0)')


def apply_val_split(data: dict, args: argparse.Namespace, source: str = 'train'
                    ) -> tuple[dict, list[str], str | None]:
    """``data`` with the validation split the options ask for, the videos moved, and a line saying so (None when
    the options ask for nothing)."""
    if not (args.val_videos or args.num_val_videos):
        return data, [], None
    out, chosen = carve_split(data, source, 'val', groups=args.val_videos, num_groups=args.num_val_videos,
                              seed=args.seed)
    return out, chosen, (f'val: {len(out["split"]["val"])} clips of {len(chosen)} whole videos moved out of '
                         f'{source} ({" ".join(chosen)})')


def no_val_hint(path: str) -> str:
    """What to run when a file has no validation split."""
    return (f'no "val" split: carve one from whole training videos with: python tools/data/split_val.py {path} '
            "--from train --num-videos 10 --seed 0 --out NEW.pkl (or the converters' --val-videos / "
            '--num-val-videos)')
