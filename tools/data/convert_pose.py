"""Remap a PYSKL pose-annotation pickle from a source keypoint layout into miga22.

  python tools/data/convert_pose.py rtg_segments.pkl --source reach_to_grasp50 --out rtg_miga22.pkl
Sources: openpose_body25_hands (BODY_25 + left/right hands), openpose_body25_face_hands, miga_light_hand,
reach_to_grasp50 (see mg_posec3d/layouts.py). This is how the bundled sample was made.
"""
import argparse
import sys

import numpy as np

from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.converters.pyskl import ConversionReport, remap_dataset
from mg_posec3d.fileio import check_outputs, load_pickle, save_pickle
from mg_posec3d.layouts import SOURCE_LAYOUTS


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('input', help='PYSKL annotation pickle in the source layout')
    p.add_argument('--source', required=True, choices=sorted(SOURCE_LAYOUTS), help='keypoint layout of the input')
    p.add_argument('--out', required=True, help='output .pkl (miga22)')
    p.add_argument('--float16', action='store_true', help='store keypoints as float16 (half the size)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    p.add_argument('--unsafe-pickle', action='store_true', help='load the input with plain pickle (trusted files only)')
    add_debug_argument(p)
    args = p.parse_args(argv)
    check_outputs([args.out], args.overwrite)
    data = load_pickle(args.input, unsafe=args.unsafe_pickle)
    if not isinstance(data, dict) or not isinstance(data.get('annotations'), list):
        raise UserError(f'{args.input}: expected a dict with an "annotations" list')
    report = ConversionReport()
    out = remap_dataset(data, args.source, np.float16 if args.float16 else np.float32, report)
    save_pickle(out, args.out)
    print(f'{args.input}: {report.summary()}')
    print(f'wrote {args.out} (layout miga22, splits {list(out.get("split", {}))})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
