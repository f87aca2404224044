#!/usr/bin/env bash
# Testing on a Slurm cluster, one task per GPU:
#   GPUS=8 tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
# Environment and DRY_RUN=1: see tools/slurm_launch.sh.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: [GPUS=N] $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]" >&2
  exit 2
fi
exec bash "$(dirname "$0")/slurm_launch.sh" test "$@"
