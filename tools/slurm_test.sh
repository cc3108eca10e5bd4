#!/usr/bin/env bash
# Testing on a Slurm cluster: tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
# Env: GPUS (8), GPUS_PER_NODE (min(GPUS, 8)), CPUS_PER_TASK (5), SRUN_ARGS, MASTER_PORT, PYTHON (python).
set -euo pipefail
# shellcheck source=tools/_launch_common.sh
source "$(dirname "$0")/_launch_common.sh"
[ $# -ge 4 ] || usage "PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]"
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
shift 4
need_file config "$CONFIG"
need_file checkpoint "$CHECKPOINT"
run_srun "$PARTITION" "$JOB_NAME" "$TOOLS/test.py" "$CONFIG" "$CHECKPOINT" --launcher=slurm "$@"
