#!/usr/bin/env bash
# Training on a Slurm cluster, one task per GPU, any number of nodes:
#   GPUS=16 tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args]
# Environment and DRY_RUN=1: see tools/slurm_launch.sh. Preemption and
# time limits: tools/slurm_train.sh --help.
set -euo pipefail
usage() {
  cat <<'EOF'
usage: [GPUS=N] tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args]

One srun task per GPU running tools/train.py with --launcher=slurm.
Environment: GPUS (total, default 8), GPUS_PER_NODE (8), CPUS_PER_TASK
(data workers + 1, default 9), SRUN_ARGS (extra srun options), PYTHON;
DRY_RUN=1 prints the srun command instead of running it.

Preemption and time limits
  On SIGTERM (what Slurm sends on preemption, scancel and at the time
  limit) or SIGUSR1 (what --signal sends), every rank finishes the
  iteration in progress, the run saves work_dir/iter_<N>.pth, points
  work_dir/last_checkpoint at it and exits with status 128 + the signal
  (143 for SIGTERM, 138 for SIGUSR1). With --resume (no path) a run
  continues from last_checkpoint, in the middle of the epoch, and ends
  with the weights an uninterrupted run would have. (Configs on the
  plugin's default_runtime.py have the PreemptionCheckpointHook and the
  ResumableEpochBasedTrainLoop.)

  Requeue recipe, a batch script train.sbatch submitted with sbatch:

    #!/usr/bin/env bash
    #SBATCH --requeue            # preempted jobs go back to the queue
    #SBATCH --signal=USR1@300    # SIGUSR1 to the tasks 5 min before the limit
    #SBATCH --open-mode=append   # a requeued job adds to its log
    WORK_DIR=work_dirs/my_job
    RESUME=()  # the first start has nothing to resume, a requeued one has
    if [ -f "$WORK_DIR/last_checkpoint" ]; then RESUME=(--resume); fi
    GPUS=16 tools/slurm_train.sh PARTITION my_job CONFIG \
        --work-dir "$WORK_DIR" "${RESUME[@]}" && exit 0
    status=$?
    # 138: checkpoint saved before the time limit; start again later
    if [ "$status" -eq 138 ]; then scontrol requeue "$SLURM_JOB_ID"; fi
    exit "$status"

  Keep the work dir fixed so that the requeued job finds last_checkpoint.
  On preemption (PreemptMode=REQUEUE) Slurm sends SIGTERM, waits the
  partition's GraceTime and requeues the job itself: GraceTime must cover
  one iteration plus writing a checkpoint. The 300 s of --signal must too.
EOF
}
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  usage
  exit 0
fi
if [ $# -lt 3 ]; then
  usage >&2
  exit 2
fi
exec bash "$(dirname "$0")/slurm_launch.sh" train "$@"
