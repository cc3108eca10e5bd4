#!/usr/bin/env bash
# GPU readiness check, one command (about 3-5 minutes on one GPU):
#   1. tools/analysis/benchmark.py --device cuda --sections abd --quick --demo-batch 16: heatmap rendering (CPU
#      pipeline vs on the GPU), the paper-size and demo models' forward / train step per precision (fp32, AMP,
#      bf16, each with and without channels-last-3d), and training throughput with real loading (DataLoader
#      workers running each pipeline) vs synthetic input already on the GPU;
#   2. one epoch of the paper-size joint model (configs/gpu/joint_rtg_sample.py: SlowOnly-R50, AMP, channels-last-3d,
#      cudnn_benchmark, heatmaps rendered on the GPU) on the bundled sample, then time per iteration, data time and
#      peak GPU memory from its log.
# Without a CUDA device (or with --device cpu) it runs the same steps on the CPU with tiny settings, to check the
# plumbing (under a minute on 2 cores): the figures are then not GPU figures and the summary says so.
# Writes OUT/benchmark.{json,md}, OUT/train.log and OUT/train/; existing ones are refused unless --overwrite.
#
#   tools/gpu_check.sh [--out DIR] [--device auto|cuda|cpu] [--skip-benchmark] [--overwrite] [--python PY]
set -euo pipefail

usage() {
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
    echo "error: $*" >&2
    exit 2
}

OUT=work_dirs/gpu_check
DEVICE=auto
SKIP_BENCH=0
OVERWRITE=0
PY=${PYTHON:-python}
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift 2 ;;
        --device) [ $# -ge 2 ] || die "--device needs auto, cuda or cpu"; DEVICE=$2; shift 2 ;;
        --skip-benchmark) SKIP_BENCH=1; shift ;;
        --overwrite) OVERWRITE=1; shift ;;
        --python) [ $# -ge 2 ] || die "--python needs an interpreter"; PY=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument $1 (see tools/gpu_check.sh --help)" ;;
    esac
done
case "$DEVICE" in auto|cuda|cpu) ;; *) die "--device must be auto, cuda or cpu, got $DEVICE" ;; esac
if [ "$OVERWRITE" = 0 ]; then
    for f in benchmark.json benchmark.md train.log train; do
        [ ! -e "$OUT/$f" ] || die "$OUT/$f exists (--overwrite to replace it, or --out another directory)"
    done
fi

# configs and tools are named relative to the checkout; OUT stays relative to the caller's directory
OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
HAVE_CUDA=$("$PY" -c 'import torch; print(int(torch.cuda.is_available()))') || die "$PY cannot import torch"
if [ "$DEVICE" = cuda ] && [ "$HAVE_CUDA" != 1 ]; then
    die "--device cuda but torch sees no CUDA device"
fi
if [ "$DEVICE" = auto ]; then
    if [ "$HAVE_CUDA" = 1 ]; then DEVICE=cuda; else DEVICE=cpu; fi
fi
rm -rf "$OUT/train"  # only reached without a previous run or with --overwrite: one run's logs in the summary
BENCH_OPTS=(--json "$OUT/benchmark.json" --overwrite)
if [ "$DEVICE" = cuda ]; then
    "$PY" -c 'import torch; p = torch.cuda.get_device_properties(0)
print(f"GPU: {p.name}, {p.total_memory / 2**30:.0f} GiB")'
    BENCH=(--device cuda --sections abd --quick --demo-batch 16)  # --quick: fewer clips and repeats, GPU batches
    TRAIN_OPTS=()
else
    echo "CPU fallback: no GPU used; tiny settings check the script, the figures are not GPU figures"
    BENCH=(--device cpu --sections a --quick --clips 2 --repeats 1 --sizes 32)
    # the paper-size model for 2 iterations (8 clips of P1, batch 4), 8 frames at 32 x 32, no validation pass
    TRAIN_OPTS=(--no-validate --cfg-options train_dataloader.dataset.split=P1 train_dataloader.dataset.indices=8
                train_dataloader.batch_size=4 train_dataloader.num_workers=0 train_dataloader.persistent_workers=False
                train_dataloader.dataset.pipeline.0.clip_len=8 'train_dataloader.dataset.pipeline.3.scale=(-1,36)'
                'train_dataloader.dataset.pipeline.5.scale=(32,32)')
fi

START=$(date +%s)
if [ "$SKIP_BENCH" = 0 ]; then
    echo; echo "\$ $PY tools/analysis/benchmark.py ${BENCH[*]} ${BENCH_OPTS[*]}"
    "$PY" tools/analysis/benchmark.py "${BENCH[@]}" "${BENCH_OPTS[@]}" | tee "$OUT/benchmark.md" \
        || { echo "error: the benchmark failed (its output above)" >&2; exit 1; }
fi

echo; echo "\$ $PY tools/train.py configs/gpu/joint_rtg_sample.py --work-dir $OUT/train ${TRAIN_OPTS[*]}"
TRAIN_START=$(date +%s)
"$PY" tools/train.py configs/gpu/joint_rtg_sample.py --work-dir "$OUT/train" "${TRAIN_OPTS[@]}" \
    > "$OUT/train.log" 2>&1 || {
    tail -n 30 "$OUT/train.log" >&2
    echo "error: training failed (log: $OUT/train.log)" >&2
    exit 1
}
TRAIN_END=$(date +%s)

"$PY" - "$OUT/train" "$DEVICE" "$((TRAIN_END - TRAIN_START))" "$((TRAIN_END - START))" <<'EOF'
import glob, json, statistics, sys

work, device, train_s, total_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
runs = sorted(glob.glob(f'{work}/*/vis_data/scalars.json'))  # timestamped run folders: the last is this run
rows = [json.loads(line) for line in open(runs[-1])] if runs else []
train = [r for r in rows if 'loss' in r and 'time' in r]
if not train:
    sys.exit(f'error: no training iterations logged under {work}')
# mmengine logs a moving average over the logging window; skip the first window (start-up, cudnn autotune)
steady = train[1:] or train
mem = max((r.get('memory', 0) for r in train), default=0)
print(f'\nGPU check summary ({"GPU" if device == "cuda" else "CPU fallback, not GPU figures"}):')
print(f'  training: {train[-1]["iter"]} iterations in {train_s} s (process start and any validation pass included)')
print(f'  time per iteration: {statistics.mean(r["time"] for r in steady):.3f} s, '
      f'data time: {statistics.mean(r["data_time"] for r in steady):.3f} s (logged windows after the first)')
print(f'  peak GPU memory: {mem} MB' if device == 'cuda' else '  peak GPU memory: - (no GPU)')
print(f'  whole check: {total_s} s')
EOF
