"""Spot micro-gestures in long sequences or videos (MiGA track 2): a timeline of which gesture happens when.

  python tools/spot.py SEQUENCES.pkl[.gz] CONFIG CKPT [CONFIG CKPT ...] --out DIR [--split test] [--eval]
  python tools/spot.py VIDEO CONFIG CKPT [CONFIG CKPT ...] --out DIR [--gt labels.csv]

For every sequence (or the video's pose, extracted with MediaPipe) windows centred on every --stride-th frame go
through each model's test pipeline in batches; the models' probabilities are fused (default 2:3 for two models:
joint, limb), smoothed per class, thresholded, cut into segments and cleaned by temporal NMS. Writes
DIR/<sequence>_prediction.csv (rows label,start,end: 0-based class, first and last frame, both included),
DIR/<sequence>_timeline.png and, for a video, DIR/<sequence>_overlay.mp4. --eval prints precision, recall and F1
at overlap > 0.3 (MiGA) and > 0.5 and the class accuracy of matched segments. --tune FILE picks the decoding
parameters with the best F1 on this (labelled, validation) input and writes them; --decode-params FILE uses them.
--classify CONFIG CKPT [...] re-labels every found segment with clip classifiers (two-stage spotting).
See docs/spotting.md.
"""
import argparse
import json
import os
import sys
import time

from mg_posec3d.cli_utils import add_debug_argument, cli_main, require_at_least
from mg_posec3d.fileio import atomic_open, check_outputs
from mg_posec3d.spotting.decode import MODES, DecodeParams
from mg_posec3d.spotting.sequences import CSV_FORMATS

DEFAULT_STRIDE = 4


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('input', help='sequence file (.pkl / .pkl.gz, docs/spotting.md), video file or frame folder')
    p.add_argument('models', nargs='*', metavar='CONFIG CKPT', help='pairs of config and checkpoint')
    p.add_argument('--out', required=True, help='output folder')
    g = p.add_argument_group('sequences')
    g.add_argument('--split', help='only the sequences of this split of the sequence file')
    g.add_argument('--join-by', metavar='FIELD', help='join the sequences sharing FIELD (e.g. subject) end to end '
                   'into one long sequence each, named <FIELD><value>_joined')
    g.add_argument('--windows-within-parts', action='store_true', help='with --join-by: no window crosses the '
                   'junction of two joined sequences (treated like the end of a recording: a real recording has no '
                   'such cuts)')
    g.add_argument('--fps', type=float, help='frame rate of sequences that do not record one (for the timing)')
    g.add_argument('--unsafe-pickle', action='store_true', help='load the sequence file with plain pickle '
                   '(trusted files only)')
    g = p.add_argument_group('video')
    g.add_argument('--gt', help='ground-truth segment csv of the video (video frame numbers)')
    g.add_argument('--gt-format', choices=CSV_FORMATS, default='ours', help='--gt format (default ours: '
                   'label,start,end 0-based)')
    g.add_argument('--video-stride', type=int, default=1, help='use every K-th video frame (default 1)')
    g.add_argument('--max-frames', type=int, help='use at most N sampled video frames')
    g.add_argument('--no-overlay', action='store_true', help='no overlay video')
    g = p.add_argument_group('inference')
    g.add_argument('--stride', type=int, help="a window centred on every K-th frame (default: the config's "
                   '`stride`, else 4)')
    g.add_argument('--window', type=int, help="frames per window (default: the config's `window`)")
    g.add_argument('--weights', type=float, nargs='+', help='fusion weight per model (default 2 3 for two '
                   'models, else equal)')
    g.add_argument('--batch-size', type=int, default=16, help='windows per forward pass (default 16)')
    g.add_argument('--precision', choices=['auto', 'fp32', 'bf16'], default='auto',
                   help='3D CNN precision; auto = bf16 on a GPU with bf16 or a CPU with AVX512-BF16/AMX, else fp32 '
                   '(emulated bf16 is slower: docs/spotting.md)')
    g.add_argument('--eager', action='store_true', help='run the 3D CNNs in eager PyTorch (default on a CPU in '
                   'fp32: frozen by TorchScript, the networks about 2x faster, the same probabilities; '
                   'docs/spotting.md "Speed")')
    g.add_argument('--device', default='cpu')
    g.add_argument('--threads', type=int, help='torch CPU threads')
    g.add_argument('--save-scores', action='store_true', help='also write DIR/<sequence>_scores.npz (window and '
                   'per-frame probabilities), to decode again with --scores-from')
    g.add_argument('--scores-from', metavar='DIR', help='read the probabilities saved by --save-scores in DIR '
                   'instead of running models (to try decoding parameters or --weights; no CONFIG CKPT needed)')
    g.add_argument('--classify', nargs='+', metavar='CONFIG CKPT', help='two-stage spotting: re-label every found '
                   'segment with these clip classifiers (pairs; their classes = the gesture classes, no background)')
    g.add_argument('--classify-weights', type=float, nargs='+', help='fusion weights of the --classify models '
                   '(default 2 3 for two, else equal)')
    g.add_argument('--classify-margin', type=int, default=8, help='frames of context on each side of a segment '
                   'for --classify (default 8)')
    g.add_argument('--label-names', help='class names file (default: from the checkpoint)')
    g.add_argument('--background-class', type=int, help='index of the background class (default: the class '
                   'named "background")')
    g = p.add_argument_group('decoding')
    g.add_argument('--threshold', type=float, nargs='+', help='probability threshold, one or one per gesture '
                   f'class (default {DecodeParams.threshold})')
    g.add_argument('--smooth', type=int, help=f'moving average, frames (default {DecodeParams.smooth})')
    g.add_argument('--min-len', type=int, help=f'shortest segment, frames (default {DecodeParams.min_len})')
    g.add_argument('--nms', type=float, help=f'temporal NMS frame IoU (default {DecodeParams.nms})')
    g.add_argument('--mode', choices=MODES, help=f'decoding rule (default {DecodeParams.mode})')
    g.add_argument('--decode-params', help='JSON written by --tune (flags given here override it)')
    g.add_argument('--tune', metavar='JSON', help='search the decoding parameters with the best F1 on this input '
                   '(needs ground truth: use a validation split; with --classify the class-agnostic F1) and write '
                   'them to JSON')
    g = p.add_argument_group('evaluation and output')
    g.add_argument('--eval', action='store_true', help='print precision, recall, F1 at overlap > 0.3 and 0.5')
    g.add_argument('--overlap-inclusive', action='store_true', help='count frames in the overlap ratio (adds 1 '
                   'to both terms; default: the MiGA formula, see docs/spotting.md)')
    g.add_argument('--no-plot', action='store_true', help='no timeline PNGs')
    g.add_argument('--no-progress', action='store_true', help='no progress bar for pose extraction')
    g.add_argument('--overwrite', action='store_true', help='replace existing outputs')
    add_debug_argument(g)
    return p.parse_args(argv)


def _decode_params(args) -> DecodeParams:
    from mg_posec3d.spotting.runner import load_decode_params

    params = load_decode_params(args.decode_params) if args.decode_params else DecodeParams()
    if args.threshold:
        params.threshold = args.threshold[0] if len(args.threshold) == 1 else list(args.threshold)
    for key in ('smooth', 'min_len', 'nms', 'mode'):
        if getattr(args, key) is not None:
            setattr(params, key, getattr(args, key))
    return params.check()


def _load_models(args, pairs):
    """(precision, window scorers, window length, class names); nothing with --scores-from."""
    if args.scores_from:
        return 'saved', [], args.window, None
    from mg_posec3d.models.precision import bf16_supported

    precision = args.precision
    if precision == 'auto':
        device = args.device.split(':')[0]
        precision = 'bf16' if bf16_supported(device) else 'fp32'
    scorers = [_scorer(args, cfg, ckpt, precision) for cfg, ckpt in pairs]
    windows = {s.window for s in scorers} if args.window is None else {args.window}
    if None in windows or len(windows) != 1:
        raise ValueError(f'the configs give window lengths {sorted(map(str, windows))}; pass --window N')
    class_names = next((s.loaded.class_names for s in scorers if s.loaded.class_names), None)
    if args.stride is None:
        args.stride = next((s.stride for s in scorers if s.stride), DEFAULT_STRIDE)
    return precision, scorers, windows.pop(), class_names


def _load_classifiers(args, precision):
    """The --classify clip classifiers, as window scorers (their own test pipelines)."""
    if not args.classify:
        return []
    precision = 'fp32' if precision == 'saved' else precision
    return [_scorer(args, cfg, ckpt, precision) for cfg, ckpt in zip(args.classify[::2], args.classify[1::2])]


def _scorer(args, cfg, ckpt, precision):
    """One model loaded in ``precision``; on a CPU in fp32 frozen by TorchScript unless --eager."""
    from mg_posec3d.apis.inference import load_model
    from mg_posec3d.models.frozen import freeze_for_cpu_inference
    from mg_posec3d.models.precision import set_precision
    from mg_posec3d.spotting.inference import WindowScorer

    loaded = load_model(cfg, ckpt, args.device)
    set_precision(loaded.model, precision)
    if precision == 'fp32' and args.device == 'cpu' and not args.eager:
        freeze_for_cpu_inference(loaded.model)
    return WindowScorer(loaded, args.batch_size)


def _classify(args, scored, predictions, classifiers, class_names, background):
    from mg_posec3d.spotting.inference import classify_segments

    num_classes = next(sc.frame_probs.shape[1] for _, sc in scored)
    gesture = [c for c in range(num_classes) if c != background]
    names = next((c.loaded.class_names for c in classifiers if c.loaded.class_names), None)
    if names and class_names and list(names) != [class_names[c] for c in gesture]:
        raise ValueError(f'the --classify models have classes {list(names)}, the spotting models '
                         f'{[class_names[c] for c in gesture]} (without background)')
    return {str(seq['frame_dir']): classify_segments(seq, predictions[str(seq['frame_dir'])], classifiers, gesture,
                                                     args.classify_weights, args.classify_margin)
            for seq, _ in scored}


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    t_start = time.perf_counter()
    if len(args.models) % 2 or not (args.models or args.scores_from) or len(args.classify or []) % 2:
        raise ValueError('give CONFIG CHECKPOINT pairs')
    pairs = list(zip(args.models[::2], args.models[1::2]))
    require_at_least(args, video_stride=1, max_frames=1, stride=1, window=1, batch_size=1, threads=1,
                     classify_margin=0)
    params = _decode_params(args)
    if args.weights is not None and pairs and len(args.weights) != len(pairs):
        raise ValueError(f'{len(args.weights)} weights for {len(pairs)} models')
    from mg_posec3d.spotting import runner

    seq_input = runner.is_sequence_file(args.input)
    if not os.path.exists(args.input):
        raise FileNotFoundError(f'{args.input}: no such file or folder')
    if seq_input and args.gt:
        raise ValueError('--gt is for videos; a sequence file carries its segments')
    if args.scores_from and not seq_input:
        raise ValueError('--scores-from reads the scores of a sequence file, not of a video')
    extra = [p for p in (args.tune, ) if p]
    eval_json = os.path.join(args.out, 'eval.json')
    check_outputs(extra + ([eval_json] if args.eval else []), args.overwrite)
    if seq_input:
        from mg_posec3d.spotting.sequences import join_by, load_sequences

        seqset = load_sequences(args.input, split=args.split, unsafe=args.unsafe_pickle)
        if args.join_by:
            seqset.sequences = join_by(seqset.sequences, args.join_by)
        names = [str(s['frame_dir']) for s in seqset.sequences]
    else:
        names = [os.path.splitext(os.path.basename(os.path.normpath(args.input)))[0]]
    overlay = not seq_input and not args.no_overlay
    for name in names:
        check_outputs(list(runner.outputs_of(args.out, name, not args.no_plot, overlay).values())
                        + ([os.path.join(args.out, f'{name}_scores.npz')] if args.save_scores else []), args.overwrite)
    needs_gt = args.eval or args.tune

    # models first: a wrong checkpoint fails before minutes of pose extraction
    import torch

    import mg_posec3d  # noqa: F401  (upstream fixes, registration)
    from mg_posec3d.annotations import read_class_names as load_label_names
    from mg_posec3d.models.frozen import is_frozen
    from mg_posec3d.spotting.inference import background_index

    if args.threads:
        torch.set_num_threads(args.threads)
    precision, scorers, window, class_names = _load_models(args, pairs)
    if args.label_names:
        class_names = load_label_names(args.label_names)
    background = None if args.scores_from else background_index(class_names, args.background_class)
    classifiers = _load_classifiers(args, precision)
    t_models = time.perf_counter()

    item = record = None
    if not seq_input:
        seqset, item, record = runner.video_sequence(args.input, args.video_stride, args.max_frames, args.gt,
                                                     args.gt_format, not args.no_progress)
    runner.print_skipped(seqset)
    if not seqset.sequences:
        raise ValueError(f'{args.input}: no sequence to spot' + (f' in split {args.split!r}' if args.split else ''))
    if needs_gt and not seqset.has_ground_truth:
        raise ValueError(f'--eval/--tune need ground truth: {args.input} has sequences without segments'
                         + ('' if seq_input else ' (pass --gt CSV)'))
    os.makedirs(args.out, exist_ok=True)
    if args.scores_from:
        scored = []
        for seq in seqset.sequences:
            scores, saved_names, saved_bg = runner.load_frame_scores(
                os.path.join(args.scores_from, f"{seq['frame_dir']}_scores.npz"))
            if args.weights is not None:  # fuse the saved per-model probabilities again with other weights
                scores = runner.refuse(scores, args.weights, int(seq['keypoint'].shape[1]))
            scored.append((seq, scores))
            class_names = class_names or saved_names
            background = saved_bg if args.background_class is None else args.background_class
    else:
        scored = runner.spot_all(seqset, scorers, window, args.stride, args.weights, background,
                                 log=lambda s: print(s, file=sys.stderr), within_parts=args.windows_within_parts)
    if args.save_scores:
        for seq, scores in scored:
            runner.save_frame_scores(os.path.join(args.out, f"{seq['frame_dir']}_scores.npz"), scores, class_names,
                                     background)
    if args.tune:
        params = runner.tune(scored, background, args.tune, use_labels=not classifiers)
        print(f'tuned decoding parameters (best F1 at overlap > 0.3 on this input): {params.as_dict()} -> '
              f'{args.tune}')
    t0, c0 = time.perf_counter(), time.process_time()
    predictions = runner.decode_all(scored, background, params)
    if classifiers:
        predictions = _classify(args, scored, predictions, classifiers, class_names, background)
    decode_s, decode_cpu = time.perf_counter() - t0, time.process_time() - c0
    written = runner.write_outputs(scored, predictions, args.out, class_names, background, not args.no_plot,
                                   args.fps)
    if overlay:
        from mg_posec3d.spotting.plot import render_overlay
        from mg_posec3d.spotting.sequences import rows_to_frames

        seq = seqset.sequences[0]
        fi = seq['frame_inds']
        gt = rows_to_frames(seq['segments'], fi) if 'segments' in seq else None
        path = runner.outputs_of(args.out, names[0], False, True)['mp4']
        n = render_overlay(item, seq['keypoint'][0], seq['keypoint_score'][0], fi, path,
                           rows_to_frames(predictions[names[0]], fi), class_names, gt, record.fps)
        written[0]['mp4'] = path
        print(f'wrote {path} ({n} frames)')
    for name, paths in zip(names, written):
        segs = predictions[name]
        print(f'{name}: {len(segs)} segment(s) -> ' + ', '.join(paths.values()))
    speed = runner.speed_report(scored, args.fps)
    used = scorers + classifiers
    speed['processing_s'] += decode_s
    speed['cpu_s'] += decode_cpu
    runner.real_time_factors(speed)
    speed.update(models_s=t_models - t_start, total_s=time.perf_counter() - t_start, window=window,
                 stride=args.stride, precision=precision, models=len(pairs), threads=torch.get_num_threads(),
                 engine='TorchScript-frozen' if any(is_frozen(s.model) for s in used) else 'eager' if used
                 else 'no model')
    rtf = f"real-time factor {speed['rtf']:.2f}x by wall clock, {speed['rtf_cpu']:.2f}x by CPU time " \
        f"({speed['duration_s']:.1f} s of sequence)" if speed['rtf'] else 'real-time factor unknown (pass --fps)'
    print(f"speed: {speed['frames']} frames in {speed['processing_s']:.1f} s wall, {speed['cpu_s']:.1f} s CPU "
          f"(windows, pipelines, networks, fusion, decoding; {precision}, {speed['engine']}, "
          f"{speed['threads']} thread(s), load {speed['load']:.1f}): {rtf}")
    if args.eval:
        from mg_posec3d.evaluation.spotting_metric import evaluate_spotting, format_scores

        gts = {str(s['frame_dir']): s['segments'] for s in seqset.sequences}
        scores = evaluate_spotting(predictions, gts, (0.3, 0.5), args.overlap_inclusive)
        for line in format_scores(scores):
            print(line)
        with atomic_open(eval_json, 'w', encoding='utf-8') as f:
            json.dump(dict(input=args.input, split=args.split, join_by=args.join_by, sequences=len(gts),
                           models=[list(p) for p in pairs], weights=args.weights, decode=params.as_dict(),
                           classify=args.classify, classify_weights=args.classify_weights,
                           classify_margin=args.classify_margin if args.classify else None,
                           overlap_inclusive=args.overlap_inclusive, speed=speed,
                           scores={str(t): s.as_dict() for t, s in scores.items()}), f, indent=1)
        print(f'wrote {eval_json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
