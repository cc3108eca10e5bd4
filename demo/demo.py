"""Recognise the micro-gesture in a video: pose (MediaPipe, offline) -> miga22 heatmaps -> one or more
PoseC3D models -> fused top-5 labels.

  python demo/demo.py VIDEO CONFIG CHECKPOINT [CONFIG CHECKPOINT ...] [--label-names FILE]
      [--out-video OUT.mp4 [--overwrite]] [--weights W ...] [--stride K] [--max-frames N]

Each CONFIG's test_pipeline turns the skeleton into heatmaps; with several models their class probabilities
are fused by the same rule as tools/test.py --ensemble: 2:3 for two models (give the joint model first, then
the limb model), equal weights for any other number, or --weights. Class names: --label-names (one per line,
or "<id> <name>"), else the checkpoint's dataset metainfo, else the config.
"""
import argparse
import sys

from mg_posec3d.apis.inference import load_label_names, load_model, recognize, render_result
from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.evaluation.fusion import FusionError, normalise_weights
from mg_posec3d.fileio import check_outputs
from mg_posec3d.models.precision import bf16_supported, set_precision
from mg_posec3d.pose.runner import BackendSpec, extract_video
from mg_posec3d.pose.video import discover_inputs


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('video', help='video file or folder of frame images')
    p.add_argument('models', nargs='+', metavar='CONFIG CHECKPOINT', help='pairs of config and checkpoint')
    p.add_argument('--label-names', help='class names file (one per line, or "<id> <name>")')
    p.add_argument('--weights', type=float, nargs='+',
                   help='fusion weight per model, in the order the models are given (default: 2 3 for two models, '
                   'joint then limb, as tools/test.py --ensemble; equal weights otherwise)')
    p.add_argument('--out-video', help='write the video with the skeleton and the top-5 labels drawn on it')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out-video file')
    p.add_argument('--topk', type=int, default=5, help='how many labels to print (default 5)')
    p.add_argument('--stride', type=int, default=1, help='use every K-th frame (default 1)')
    p.add_argument('--max-frames', type=int, help='use at most N sampled frames')
    p.add_argument('--device', default='cpu', help='device for the recognizers (default: cpu)')
    p.add_argument('--precision', choices=['auto', 'fp32', 'bf16'], default='auto',
                   help='3D CNN precision: bf16 autocast + channels-last (3.7x faster on CPUs with native bf16, '
                   'top-1 agreement with fp32 on trained demo models: 351 of 352 test predictions); '
                   'auto = bf16 where supported')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='load the checkpoints with full unpickling (runs code in them: trusted files only)')
    p.add_argument('--no-progress', action='store_true', help='no progress bar')
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
    if len(args.models) % 2:
        raise UserError('give CONFIG CHECKPOINT pairs')
    pairs = list(zip(args.models[::2], args.models[1::2]))
    try:  # before any model is loaded
        weights = normalise_weights(args.weights, len(pairs))
    except FusionError as e:
        raise UserError(f'--weights: {e}') from None
    if args.out_video:
        check_outputs([args.out_video], args.overwrite)
    items = discover_inputs(args.video, 'auto')
    if len(items) != 1 or items[0].kind not in ('video', 'frames'):
        raise UserError(f'{args.video} is not one video or frame folder')
    item = items[0]
    names = load_label_names(args.label_names) if args.label_names else None
    models = [load_model(c, k, args.device, trust=args.trust_checkpoint) for c, k in pairs]
    precision = args.precision
    if precision == 'auto':
        precision = 'bf16' if bf16_supported(args.device.split(':')[0]) else 'fp32'
    for m in models:
        set_precision(m.model, precision)
    backend = BackendSpec('mediapipe').build()
    try:
        record = extract_video(item, backend, args.stride, args.max_frames, not args.no_progress)
    finally:
        backend.close()
    result = recognize(record, models, names, args.weights)
    print(f'{item.path}: {record.num_frames} frames, person found in {record.frames_with_person}')
    for (cfg, _), s in zip(pairs, result.per_model):
        best = int(s.argmax())
        print(f'  {cfg}: top-1 {result.class_names[best]} ({s[best]:.3f})')
    if len(pairs) > 1:
        print('fusion weights: ' + ' : '.join(f'{w:.3g}' for w in weights))
    label = 'fused' if len(pairs) > 1 else 'result'
    print(f'{label} top-{args.topk}:')
    for rank, (i, name, p) in enumerate(result.top(args.topk), 1):
        print(f'  {rank}. {name} (class {i}): {p:.4f}')
    if args.out_video:
        n = render_result(item, result, args.out_video, k=min(5, args.topk))  # written atomically
        print(f'wrote {args.out_video} ({n} frames)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
