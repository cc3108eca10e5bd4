# shellcheck shell=bash
# Shared by the dist_*/slurm_* launchers (sourced, not run). mmaction2's argument order and variables.
# TOOLS: this folder as an absolute path, so configs and checkpoints stay relative to the caller's cwd and the
# scripts work from a checkout and from an installed copy (mg_posec3d/.mim/tools) alike.
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python}
# a checkout's package is importable without installing (as mmaction2's scripts do)
PYTHONPATH="$(dirname "$TOOLS")${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH

usage() {  # usage ARGUMENTS: the script's arguments, as in its header
    echo "usage: $0 $*" >&2
    exit 2
}

die() {
    echo "error: $*" >&2
    exit 2
}

need_file() {  # need_file WHAT PATH
    [ -f "$2" ] || die "$1 $2 does not exist"
}

need_count() {  # need_count NAME VALUE: a positive integer
    [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"
}

# slurm_*.sh: one srun task per GPU, mmengine's slurm launcher.
# Env: GPUS (8), GPUS_PER_NODE (min(GPUS, 8)), CPUS_PER_TASK (5), SRUN_ARGS (extra srun options, split on
# spaces), MASTER_PORT (random in 12000-31999, so two jobs on one node do not collide), PYTHON (python).
run_srun() {  # run_srun PARTITION JOB_NAME PYTHON_ARGS...
    local partition=$1 job_name=$2
    shift 2
    local gpus=${GPUS:-8}
    need_count GPUS "$gpus"
    local per_node=${GPUS_PER_NODE:-$((gpus < 8 ? gpus : 8))}
    local cpus=${CPUS_PER_TASK:-5}
    need_count GPUS_PER_NODE "$per_node"
    need_count CPUS_PER_TASK "$cpus"
    local srun_args=()
    read -r -a srun_args <<< "${SRUN_ARGS:-}"
    export MASTER_PORT=${MASTER_PORT:-$((12000 + RANDOM % 20000))}
    # ${a[@]+...}: an empty array under `set -u` fails on bash < 4.4 (still common on clusters)
    exec srun -p "$partition" --job-name="$job_name" --gres=gpu:"$per_node" --ntasks="$gpus" \
        --ntasks-per-node="$per_node" --cpus-per-task="$cpus" --kill-on-bad-exit=1 \
        ${srun_args[@]+"${srun_args[@]}"} "$PYTHON" -u "$@"
}
