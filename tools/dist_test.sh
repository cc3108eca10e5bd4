#!/usr/bin/env bash
# Distributed testing via torchrun: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
# Env: PORT (29500), NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PYTHON (python).
set -euo pipefail
# shellcheck source=tools/_launch_common.sh
source "$(dirname "$0")/_launch_common.sh"
[ $# -ge 3 ] || usage "CONFIG CHECKPOINT GPUS [test.py options]"
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
shift 3
need_file config "$CONFIG"
need_file checkpoint "$CHECKPOINT"
need_count GPUS "$GPUS"
exec "$PYTHON" -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --nproc_per_node="$GPUS" --master_port="${PORT:-29500}" \
    "$TOOLS/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
