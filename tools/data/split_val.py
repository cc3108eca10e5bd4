"""Carve a validation split out of a training split by whole videos (or subjects): never a video in both.

  python tools/data/split_val.py ANN.pkl --from train --videos 0001 0002 0003 0004 0006 0007 0008 0009 0010 0011 \\
      --out ANN_val.pkl
  python tools/data/split_val.py ANN.pkl --from train --num-videos 10 --seed 0 --out ANN_val.pkl
A clip's video is its "video" field, else its id without the trailing _<row> (0054_3 -> 0054); --by subject
groups by the "subject" field instead. The same seed and file give the same choice.
"""
import argparse
import sys

from mg_posec3d.annotations import carve_split
from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.fileio import check_outputs, load_pickle, save_pickle


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ann', help='annotation pickle with a training split')
    p.add_argument('--from', dest='source', default='train', help='split to carve from (default train)')
    p.add_argument('--to', dest='target', default='val', help='name of the new split (default val)')
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument('--videos', nargs='+', metavar='VIDEO', help='the videos (or subjects) to move')
    g.add_argument('--num-videos', type=int, metavar='N', help='move N videos chosen with --seed')
    p.add_argument('--seed', type=int, default=0, help='seed for --num-videos (default 0)')
    p.add_argument('--by', choices=('video', 'subject'), default='video', help='what a group is (default video)')
    p.add_argument('--out', required=True, help='output .pkl (the input with the new split)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    p.add_argument('--unsafe-pickle', action='store_true', help='load the input with plain pickle (trusted files only)')
    add_debug_argument(p)
    args = p.parse_args(argv)
    check_outputs([args.out], args.overwrite)
    data = load_pickle(args.ann, unsafe=args.unsafe_pickle)
    if not isinstance(data, dict) or not isinstance(data.get('split'), dict):
        raise UserError(f'{args.ann}: expected a dict with a "split" dict of clip ids')
    try:
        out, chosen = carve_split(data, args.source, args.target, groups=args.videos, num_groups=args.num_videos,
                                  seed=args.seed, by=args.by)
    except ValueError as e:
        raise UserError(f'{args.ann}: {e}') from e
    print(f'{args.target}: {len(out["split"][args.target])} clips of {len(chosen)} {args.by}s: {" ".join(chosen)}')
    print(f'{args.source}: {len(out["split"][args.source])} clips left')
    save_pickle(out, args.out)
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
