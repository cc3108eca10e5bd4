"""Extract miga22 skeletons from raw videos (or import OpenPose JSON / MiGA 2025 xlsx keypoints) into a
PYSKL annotation pickle.

  python tools/data/extract_pose.py INPUT --out ANN.pkl [--backend mediapipe|mmpose]
      [--label-csv CSV|DIR [--label-format F]]
      [--vis DIR] [--keep-full] [--stride K] [--max-frames N] [--overwrite]

INPUT: a video, a folder of frame images, a folder of OpenPose ``*_keypoints.json``, a MiGA 2025
``<id>_openpose.xlsx``, or a folder holding any of these (one annotation each). Runs offline: MediaPipe's
models ship in its wheel; mmpose needs a local --pose-checkpoint. Finished inputs are cached next to the
output (``ANN.pkl.parts/``), so an interrupted run resumes where it stopped (that cache is the tool's own and
is reused without --overwrite). An existing ANN.pkl or --vis overlay video is refused unless --overwrite.
"""
import argparse
import os
import sys

from mg_posec3d.annotations import LABEL_FORMATS
from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.fileio import check_outputs
from mg_posec3d.pose.runner import BackendSpec, ExtractOptions, run_extraction, safe_filename
from mg_posec3d.pose.video import KINDS, discover_inputs


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('input', help='video, frame folder, OpenPose JSON folder, xlsx file, or a folder of these')
    p.add_argument('--out', required=True, help='output annotation pickle (PYSKL format, miga22 layout)')
    p.add_argument('--backend', choices=['mediapipe', 'mmpose'], default='mediapipe',
                   help='pose estimator for videos / frame folders (default: mediapipe)')
    p.add_argument('--pose-config', help='mmpose: top-down model config file')
    p.add_argument('--pose-checkpoint', help='mmpose: local checkpoint file (never downloaded)')
    p.add_argument('--pose-box', choices=['frame', 'mediapipe'], default='mediapipe',
                   help='mmpose: person box = the whole frame, or the main subject found by MediaPipe '
                        '(default)')
    p.add_argument('--device', default='cpu', help='mmpose device (default: cpu)')
    p.add_argument('--input-kind', choices=('auto',) + KINDS, default='auto',
                   help='how to read INPUT (default: by extension and content)')
    p.add_argument('--label-csv', help='iMiGUE-style label csv (gestureID,start,end per row) for a single '
                   'input, or a folder with <name>_label.csv / <name>.csv per input: one annotation per '
                   'row, named <name>_<row>')
    p.add_argument('--label-format', choices=sorted(LABEL_FORMATS), default='imigue',
                   help='how the label csv counts classes and frames: imigue/miga2025 (ids 1..31, 99 -> 31, '
                        '0-based frames), smg (ids 1..17, 1-based frames), ours (0-based); default imigue')
    p.add_argument('--img-shape', nargs=2, type=int, metavar=('H', 'W'),
                   help='image size of OpenPose JSON inputs (required for them) or xlsx inputs '
                        '(default 720 1280)')
    p.add_argument('--stride', type=int, default=1, help='use every K-th frame (default 1)')
    p.add_argument('--max-frames', type=int, help='use at most N (sampled) frames per input')
    p.add_argument('--keep-full', action='store_true',
                   help="also keep the backend's full keypoint set (keypoint_full, keypoint_score_full)")
    p.add_argument('--vis', metavar='DIR', help='write an overlay video per input with the miga22 skeleton')
    p.add_argument('--split', default='all', help='name of the split listing all annotations (default all)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file and --vis videos')
    p.add_argument('--no-progress', action='store_true', help='no progress bars')
    p.add_argument('--threads', type=int, help='torch CPU threads (default: torch\'s choice); 1 is much faster '
                   'when other processes keep the cores busy')
    add_debug_argument(p)
    return p.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    items = discover_inputs(args.input, args.input_kind)
    if not items:
        raise UserError(f'nothing to read in {args.input} (videos, frame folders, OpenPose JSON, xlsx)')
    videos = [it for it in items if it.kind in ('video', 'frames')]
    # every file this run writes, checked before any pose model is built (the .parts cache is reused on purpose)
    check_outputs([args.out] + [os.path.join(args.vis, safe_filename(it.name) + '.mp4') for it in videos
                                if args.vis], args.overwrite, folders=[args.vis] if args.vis else [])
    if any(it.kind == 'openpose_json' for it in items) and not args.img_shape:
        raise UserError('OpenPose JSON stores no image size; pass --img-shape H W')
    spec = None
    if videos:
        if args.backend == 'mmpose':
            if not args.pose_config or not args.pose_checkpoint:
                raise UserError('--backend mmpose needs --pose-config and --pose-checkpoint')
            spec = BackendSpec('mmpose', dict(config=args.pose_config, checkpoint=args.pose_checkpoint,
                                              device=args.device, box=args.pose_box))
        else:
            spec = BackendSpec('mediapipe', {})
    opts = ExtractOptions(stride=args.stride, max_frames=args.max_frames, keep_full=args.keep_full,
                          label_csv=args.label_csv, label_format=args.label_format, vis_dir=args.vis,
                          img_shape=tuple(args.img_shape) if args.img_shape else None,
                          overwrite=args.overwrite, split=args.split, show_progress=not args.no_progress)
    report = run_extraction(items, args.out, spec, opts, log=lambda s: print(s, file=sys.stderr))
    print(report.summary())
    for path, n in report.vis:
        print(f'overlay: {path} ({n} frames)')
    if not report.written:
        raise UserError(f'nothing written to {args.out}: every input was skipped')
    print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
