#!/usr/bin/env bash
# Training on a Slurm cluster: tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
# e.g. GPUS=16 SRUN_ARGS="--time=2-00:00:00" tools/slurm_train.sh gpu mg_joint configs/joint.py --work-dir w
# Env: GPUS (8), GPUS_PER_NODE (min(GPUS, 8)), CPUS_PER_TASK (5), SRUN_ARGS, MASTER_PORT, PYTHON (python).
set -euo pipefail
# shellcheck source=tools/_launch_common.sh
source "$(dirname "$0")/_launch_common.sh"
[ $# -ge 3 ] || usage "PARTITION JOB_NAME CONFIG [train.py options]"
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
need_file config "$CONFIG"
run_srun "$PARTITION" "$JOB_NAME" "$TOOLS/train.py" "$CONFIG" --launcher=slurm "$@"
