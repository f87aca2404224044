#!/usr/bin/env bash
# Training on a Slurm cluster, one task per GPU, any number of nodes:
#   GPUS=16 tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args]
# Environment and DRY_RUN=1: see tools/slurm_launch.sh.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: [GPUS=N] $0 PARTITION JOB_NAME CONFIG [train.py args]" >&2
  exit 2
fi
exec bash "$(dirname "$0")/slurm_launch.sh" train "$@"
