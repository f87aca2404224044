#!/usr/bin/env bash
# Testing on a Slurm cluster, one task per GPU:
#   GPUS=8 tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
# Environment as tools/slurm_train.sh; DRY_RUN=1 prints the srun command.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: [GPUS=N] $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]" >&2
  exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
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
    "${PYTHON:-python}" -u tools/test.py "$CONFIG" "$CHECKPOINT" \
    --launcher=slurm "${@:5}"
