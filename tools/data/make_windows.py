"""Cut training windows from labelled long sequences into a normal pose pickle (then `tools/train.py` as usual).

  python tools/data/make_windows.py SEQUENCES.pkl.gz --out work_dirs/spotting/rtg_windows.pkl \
      --split train --split val [--window 32] [--pos-per-segment 2] [--bg-per-sequence 2] [--seed 0]

Each window is labelled by its centre frame: the class of the segment holding it, else `background` (the last
class, after the gesture classes). Centres within --ignore frames of a segment boundary are not used.
The output has the same split names as the input and `label_names` = the input's + ['background'].
"""
import argparse
import sys

from mg_posec3d.cli_utils import add_debug_argument, cli_main, require_at_least
from mg_posec3d.fileio import check_outputs
from mg_posec3d.spotting.sequences import load_sequences


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('sequences', help='sequence file with segments (docs/spotting.md)')
    p.add_argument('--out', required=True, help='output pose pickle of windows')
    p.add_argument('--split', action='append', required=True, help='split of SEQUENCES to cut (repeatable)')
    p.add_argument('--window', type=int, default=32, help='frames per window (default 32)')
    p.add_argument('--pos-per-segment', type=int, default=2, help='windows centred inside each segment (default 2)')
    p.add_argument('--bg-per-sequence', type=int, default=2, help='background windows per sequence (default 2)')
    p.add_argument('--near-fraction', type=float, default=0.5,
                   help='share of background windows within one window length of a segment (default 0.5)')
    p.add_argument('--ignore', type=int, default=2, help='skip centres this close to a segment boundary (default 2)')
    p.add_argument('--across-cuts', type=int, default=0, help='per sequence, also N windows across its end joined '
                   'to the next sequence of the same subject (labelled by their centre frame; default 0): for '
                   'spotting joined recordings, docs/spotting.md')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    p.add_argument('--unsafe-pickle', action='store_true', help='load SEQUENCES with plain pickle (trusted only)')
    add_debug_argument(p)
    return p.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    from collections import Counter

    from mg_posec3d.fileio import save_pickle
    from mg_posec3d.spotting.windows import make_window_dataset

    check_outputs([args.out], args.overwrite)
    require_at_least(args, window=1, pos_per_segment=0, bg_per_sequence=0, ignore=0, across_cuts=0)
    if not 0 <= args.near_fraction <= 1:
        raise ValueError(f'--near-fraction must be in [0, 1], got {args.near_fraction}')
    splits, names = {}, None
    for split in args.split:
        seqs = load_sequences(args.sequences, split=split, unsafe=args.unsafe_pickle)
        for name, reason in seqs.skipped:
            print(f'skipped {name}: {reason}', file=sys.stderr)
        unlabelled = [s['frame_dir'] for s in seqs.sequences if 'segments' not in s]
        if unlabelled:
            raise ValueError(f'{args.sequences}: split {split!r}: {len(unlabelled)} sequence(s) without segments, '
                             f'e.g. {unlabelled[0]!r}')
        splits[split], names = seqs.sequences, names or seqs.label_names
    if not names:
        num = 1 + max(seg[0] for seqs in splits.values() for s in seqs for seg in s['segments'])
        names = [f'class {i}' for i in range(num)]
    data = make_window_dataset(splits, names, args.window, args.pos_per_segment, args.bg_per_sequence, args.ignore,
                               args.near_fraction, args.seed, across_cuts=args.across_cuts)
    save_pickle(data, args.out)
    by_name = {a['frame_dir']: a['label'] for a in data['annotations']}
    for split, ids in data['split'].items():
        counts = Counter(data['label_names'][by_name[i]] for i in ids)
        print(f'{split}: {len(ids)} windows from {len(splits[split])} sequences: {dict(sorted(counts.items()))}')
    print(f'wrote {args.out} ({len(data["label_names"])} classes: {data["label_names"]})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
