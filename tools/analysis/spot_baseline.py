"""The non-learned spotting baseline: wrist-speed segments, classes from the hand's opening (docs/spotting.md).

  python tools/analysis/spot_baseline.py SEQUENCES.pkl.gz --tune-split train --tune-split val --split test \
      --out work_dirs/spotting/baseline [--join-by subject] [--eval]

Tunes its few thresholds on the --tune-split sequences (never on --split), writes DIR/params.json and
DIR/<sequence>_prediction.csv for the --split sequences and, with --eval, prints precision, recall and F1 at
overlap > 0.3 and 0.5 exactly as tools/spot.py does.
"""
import argparse
import json
import os
import sys
import time

from mg_posec3d.cli_utils import add_debug_argument, cli_main
from mg_posec3d.fileio import atomic_open, check_outputs


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('sequences', help='sequence file with segments (docs/spotting.md)')
    p.add_argument('--tune-split', action='append', required=True, help='split to tune on (repeatable)')
    p.add_argument('--split', required=True, help='split to spot')
    p.add_argument('--out', required=True, help='output folder')
    p.add_argument('--join-by', metavar='FIELD', help='join the --split sequences sharing FIELD end to end')
    p.add_argument('--eval', action='store_true', help='print precision, recall, F1 at overlap > 0.3 and 0.5')
    p.add_argument('--overwrite', action='store_true', help='replace existing outputs')
    p.add_argument('--unsafe-pickle', action='store_true', help='load SEQUENCES with plain pickle (trusted only)')
    add_debug_argument(p)
    return p.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    from mg_posec3d.evaluation.spotting_metric import evaluate_spotting, format_scores
    from mg_posec3d.spotting.baseline import spot_baseline, tune_baseline
    from mg_posec3d.spotting.runner import print_skipped
    from mg_posec3d.spotting.sequences import join_by, load_sequences, write_segment_csv

    if args.split in args.tune_split:
        raise ValueError(f'--split {args.split!r} is also a --tune-split: tune on other sequences')
    tune_seqs = []
    for split in args.tune_split:
        s = load_sequences(args.sequences, split=split, unsafe=args.unsafe_pickle)
        print_skipped(s)
        tune_seqs += [x for x in s.sequences if 'segments' in x]
    if not tune_seqs:
        raise ValueError(f'{args.sequences}: no labelled sequences in {args.tune_split} to tune on')
    test = load_sequences(args.sequences, split=args.split, unsafe=args.unsafe_pickle)
    print_skipped(test)
    seqs = join_by(test.sequences, args.join_by) if args.join_by else test.sequences
    names = [str(s['frame_dir']) for s in seqs]
    params_json = os.path.join(args.out, 'params.json')
    check_outputs([params_json] + [os.path.join(args.out, f'{n}_prediction.csv') for n in names], args.overwrite)
    params, f1 = tune_baseline(tune_seqs)
    print(f'tuned on {len(tune_seqs)} sequences of {args.tune_split}: class-agnostic F1 {f1:.4f} at overlap > 0.3; '
          f'{params.as_dict()}')
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    preds = {n: spot_baseline(s, params) for n, s in zip(names, seqs)}
    seconds = time.perf_counter() - t0
    for n in names:
        write_segment_csv(os.path.join(args.out, f'{n}_prediction.csv'), preds[n])
    frames = sum(s['keypoint'].shape[1] for s in seqs)
    print(f'{args.split}: {len(seqs)} sequence(s), {frames} frames, {sum(map(len, preds.values()))} segments in '
          f'{seconds:.2f} s -> {args.out}')
    result = dict(params=params.as_dict(), tune_f1=f1, tune_splits=args.tune_split, split=args.split,
                  join_by=args.join_by)
    if args.eval:
        gts = {n: s['segments'] for n, s in zip(names, seqs)}
        scores = evaluate_spotting(preds, gts)
        for line in format_scores(scores):
            print(line)
        result['scores'] = {str(t): s.as_dict() for t, s in scores.items()}
    with atomic_open(params_json, 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
