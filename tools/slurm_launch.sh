#!/usr/bin/env bash
# What tools/slurm_train.sh and tools/slurm_test.sh share: one srun task per
# GPU running tools/TOOL.py with the Slurm launcher.
#   tools/slurm_launch.sh TOOL PARTITION JOB_NAME [TOOL.py args]
# Environment: GPUS (total, default 8), GPUS_PER_NODE (8), CPUS_PER_TASK
# (data workers + 1, default 9; num_workers='auto' uses them), SRUN_ARGS
# (extra srun options), PYTHON. DRY_RUN=1 prints the srun command instead.
set -euo pipefail
TOOL=$1
PARTITION=$2
JOB_NAME=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-9}
SRUN_ARGS=${SRUN_ARGS:-""}
export MASTER_PORT=${MASTER_PORT:-$((12000 + RANDOM % 20000))}
cd "$(dirname "$0")/.."
launch=()
if [ "${DRY_RUN:-0}" = 1 ]; then launch=(echo); fi
# shellcheck disable=SC2086  # SRUN_ARGS holds several options
PYTHONPATH="$(pwd):${PYTHONPATH:-}" "${launch[@]}" srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "${PYTHON:-python}" -u "tools/$TOOL.py" "${@:4}" --launcher=slurm
