"""Pair a skeleton annotation file with a folder of RGB clips (videos or frame folders) by clip id.

  python tools/data/pair_rgb.py ANN.pkl VIDEO_DIR --out ANN_rgb.pkl [--check decode|count|exists]
      [--backend auto|decord|pyav|opencv] [--match auto|clip|video] [--frame-tolerance N]
      [--report REPORT.json] [--overwrite]

Each clip ``frame_dir`` is matched with ``VIDEO_DIR/**/<frame_dir>.<video ext>`` or a frame folder
``VIDEO_DIR/**/<frame_dir>/``; failing that, with the long video named by its ``video`` field at its
``frame_inds`` (clips cut by ``tools/data/extract_pose.py --label-csv``). Clips with no, an unreadable, or a too
short RGB source are skipped and listed, as are sources without a clip. The output is the input file with
the paired clips only (``rgb``, ``rgb_frame_inds``, ``rgb_total_frames`` added; splits restricted to them);
train with ``rgb_root=VIDEO_DIR`` (configs/rgbpose_joint.py).
"""
import argparse
import os
import sys

from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.datasets.rgb_pairing import CHECKS, MATCHES, pair_annotations
from mg_posec3d.fileio import check_outputs, safe_load_pickle, save_pickle
from mg_posec3d.fileio.video import VIDEO_BACKENDS


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ann_file', help='skeleton annotation pickle (PYSKL format)')
    p.add_argument('video_dir', help='folder of clip videos / frame folders (searched recursively)')
    p.add_argument('--out', required=True, help='combined annotation pickle to write')
    p.add_argument('--check', choices=CHECKS, default='decode',
                   help='how far each RGB source is checked: exists, count (open it, read its frame count) or '
                        'decode (also decode the first and last frame each clip needs; default)')
    p.add_argument('--backend', choices=('auto',) + VIDEO_BACKENDS, default='auto',
                   help='video reader (default auto: decord, then PyAV, then OpenCV)')
    p.add_argument('--match', choices=MATCHES, default='auto',
                   help='auto: by clip id, else by the video field at frame_inds (default); clip or video: only '
                        'that way (video: skeletons cut from long videos that sit next to clip videos)')
    p.add_argument('--frame-tolerance', type=int, default=0,
                   help='extra frames a clip video may have beyond its skeleton (default 0)')
    p.add_argument('--report', help='write the full report (every clip and source left out) as JSON')
    p.add_argument('--overwrite', action='store_true', help='replace existing --out / --report files')
    add_debug_argument(p)
    return p.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    outputs = [args.out] + ([args.report] if args.report else [])
    if any(os.path.abspath(o) == os.path.abspath(args.ann_file) for o in outputs):
        raise UserError('--out and --report must differ from the input annotation file')
    check_outputs(outputs, args.overwrite)
    if args.frame_tolerance < 0:
        raise UserError('--frame-tolerance must be >= 0')
    data = safe_load_pickle(args.ann_file)
    combined, report = pair_annotations(data, args.video_dir, backend=args.backend, check=args.check,
                                        frame_tolerance=args.frame_tolerance, match=args.match,
                                        log=lambda s: print(s, file=sys.stderr))
    print(report.summary())
    if args.report:
        report.to_json(args.report)
        print(f'report: {args.report}')
    if not report.paired:
        raise UserError(f'no clip could be paired; nothing written to {args.out}')
    save_pickle(combined, args.out)
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
