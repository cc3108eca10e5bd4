"""Convert SMG (Kinect v2) skeletons into kinect25 clips and long sequences with segments.

  python tools/data/convert_smg.py SMG_ROOT --out data/smg/smg_kinect25.pkl \\
      [--sequences-out data/smg/smg_sequences.pkl] [--protocol paper|miga] [--projection depth|colour|colour-pixels]
      [--val-videos Sample0031 ... | --num-val-videos 3 --seed 0] [--label-names FILE] [--overwrite]
SMG_ROOT holds SampleNNNN/ folders (SampleNNNN_skeleton.csv, SampleNNNN_finelabels.csv, SampleNNNN_data.csv).
Protocols: paper = Sample0001-0035 train, 0036-0040 test; miga = 0001-0030 train, 0031-0035 val, 0036-0040 test.
"""
import argparse
import sys

from mg_posec3d.annotations import ConversionReport, class_name_table
from mg_posec3d.annotations.splits import add_val_split_arguments, apply_val_split, carve_split, no_val_hint
from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.converters.smg import PROJECTIONS, PROTOCOLS, SMG_LABELS, convert_smg
from mg_posec3d.fileio import check_outputs, save_pickle


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('root', help='folder of SampleNNNN/ folders')
    p.add_argument('--out', required=True, help='output .pkl of clips (one per fine label)')
    p.add_argument('--sequences-out', help='also write the long sequences with their segments to this .pkl')
    p.add_argument('--protocol', choices=sorted(PROTOCOLS), default='paper',
                   help='paper: 1-35 train, 36-40 test; miga: 1-30 train, 31-35 val, 36-40 test (default paper)')
    p.add_argument('--projection', choices=PROJECTIONS, default='depth',
                   help='2D from camera-space x, y, z with the Kinect depth (default) or colour intrinsics, or the '
                        'colour pixel columns [9:11] as given')
    p.add_argument('--label-names', default=SMG_LABELS,
                   help='class names, "<id> <name>" (ids 1..17 or 0..16) or one per line (default: the shipped 17)')
    add_val_split_arguments(p)
    p.add_argument('--overwrite', action='store_true', help='replace existing output files')
    add_debug_argument(p)
    args = p.parse_args(argv)
    check_outputs([args.out] + ([args.sequences_out] if args.sequences_out else []), args.overwrite)
    names, first_id = class_name_table(args.label_names)
    if len(names) != 17:
        raise UserError(f'{args.label_names}: {len(names)} class names, SMG has 17')
    ids = f'ids {first_id}..{first_id + 16}' if first_id is not None else 'one name per line'
    print(f'class names: {args.label_names} ({ids})')
    report = ConversionReport()
    clips, seqs = convert_smg(args.root, args.protocol, args.projection, report, names)
    if 'val' in clips['split'] and (args.val_videos or args.num_val_videos):
        raise UserError(f'--protocol {args.protocol} already has a val split; drop --val-videos/--num-val-videos')
    print(f'{args.root}: {report.summary()}')
    clips, chosen, moved = apply_val_split(clips, args)
    if moved:
        seqs, _ = carve_split(seqs, 'train', 'val', groups=chosen)   # the same samples as the clips
    for name, ids_ in clips['split'].items():
        print(f'  {name}: {len(ids_)} clips, {len(seqs["split"][name])} sequences')
    if moved or 'val' not in clips['split']:
        print(moved or no_val_hint(args.out))
    save_pickle(clips, args.out)
    print(f'wrote {args.out} (layout kinect25, splits {list(clips["split"])})')
    if args.sequences_out:
        save_pickle(seqs, args.sequences_out)
        print(f'wrote {args.sequences_out}: {len(seqs["annotations"])} sequences with segments')
    return 0


if __name__ == '__main__':
    sys.exit(main())
