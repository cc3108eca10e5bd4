"""Long recordings + their labelled segments -> one sequence file (the format of docs/spotting.md).

  python tools/data/convert_sequences.py POSE.pkl --labels DIR [--label-format imigue|smg|ours] --out seqs.pkl
  python tools/data/convert_sequences.py RAW_DIR --from miga-raw --out imigue_sequences.pkl
  python tools/data/convert_sequences.py rtg_trials.pkl.gz --from rtg-trials --step 2 --out rtg_trials_30fps.pkl.gz

--from pose (default): any PYSKL pickle of whole recordings (tools/data/extract_pose.py output, SMG sequences), with
one label csv per recording in --labels: iMiGUE/MiGA `<name>_label.csv` (1-based ids, 0-based frames), SMG
`<name>_finelabels.csv` (1-based ids and frames) or ours (`label,start,end`, 0-based). Frames are converted
to rows through the recording's frame_inds when it has them.
--from miga-raw: iMiGUE/MiGA raw skeleton folders (`<id>_light_hand.csv` + `<id>_label.csv`).
--from rtg-trials: the reach-to-grasp whole trials (one segment each; how the shipped file was made).
An output ending in .gz is gzip-compressed.
"""
import argparse
import sys

import numpy as np

from mg_posec3d.cli_utils import add_debug_argument, cli_main
from mg_posec3d.converters.pyskl import ConversionReport
from mg_posec3d.fileio import check_outputs
from mg_posec3d.spotting.sequences import CSV_FORMATS, read_pickle, save_sequences


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('input', help='pose pickle (.pkl / .pkl.gz), or a raw MiGA folder with --from miga-raw')
    p.add_argument('--from', dest='source', choices=['pose', 'miga-raw', 'rtg-trials'], default='pose',
                   help='what INPUT is (default: pose)')
    p.add_argument('--out', required=True, help='output sequence file (.pkl, or .pkl.gz to compress)')
    p.add_argument('--labels', help='--from pose: folder with one label csv per recording')
    p.add_argument('--label-format', choices=CSV_FORMATS, default='imigue', help='label csv format (default imigue)')
    p.add_argument('--num-classes', type=int, help='refuse labels outside 0..N-1')
    p.add_argument('--step', type=int, default=2, help='--from rtg-trials: keep every K-th frame (default 2: '
                   '~60 -> ~30 fps)')
    p.add_argument('--float16', action='store_true', help='store keypoints as float16 (rtg-trials always does)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    p.add_argument('--unsafe-pickle', action='store_true', help='load INPUT with plain pickle (trusted files only)')
    add_debug_argument(p)
    return p.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    from mg_posec3d.spotting import convert

    check_outputs([args.out], args.overwrite)
    report = ConversionReport()
    if args.source == 'miga-raw':
        out = convert.from_miga_raw(args.input, report)
    else:
        data = read_pickle(args.input, args.unsafe_pickle)
        if not isinstance(data, dict) or not isinstance(data.get('annotations'), list):
            raise ValueError(f'{args.input}: expected a dict with an "annotations" list')
        if args.source == 'rtg-trials':
            out = convert.from_rtg_trials(data, args.step)
            report.clips = len(out['annotations'])
            report.frames = sum(int(a['total_frames']) for a in out['annotations'])
        else:
            if not args.labels:
                raise ValueError('--from pose needs --labels DIR (one label csv per recording)')
            out = convert.attach_segments(data, args.labels, args.label_format, report, args.num_classes)
    if args.float16:
        for a in out['annotations']:
            a['keypoint'] = a['keypoint'].astype(np.float16)
            a['keypoint_score'] = a['keypoint_score'].astype(np.float16)
    if not out['annotations']:
        raise ValueError(f'nothing written to {args.out}: {report.summary()}')
    save_sequences(out, args.out)
    segments = sum(len(a.get('segments', [])) for a in out['annotations'])
    print(f'{args.input}: {report.summary().replace("clips", "sequences")}')
    print(f'wrote {args.out}: {len(out["annotations"])} sequences, {segments} segments, splits '
          f'{list(out.get("split", {}))}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
