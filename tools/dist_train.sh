#!/usr/bin/env bash
# Distributed training on one machine (or several, with NNODES/NODE_RANK/MASTER_ADDR) via torchrun:
#   tools/dist_train.sh CONFIG GPUS [train.py options]
# Env: PORT (29500), NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PYTHON (python).
set -euo pipefail
# shellcheck source=tools/_launch_common.sh
source "$(dirname "$0")/_launch_common.sh"
[ $# -ge 2 ] || usage "CONFIG GPUS [train.py options]"
CONFIG=$1
GPUS=$2
shift 2
need_file config "$CONFIG"
need_count GPUS "$GPUS"
exec "$PYTHON" -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --nproc_per_node="$GPUS" --master_port="${PORT:-29500}" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "$@"
