# MMAction2's runtime (hooks, logging, visualizer) with the plugin imported.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['scfa_mm'], allow_failed_imports=False)

# MMEngine's Runner with the plugin's checks before a run (data, labels,
# pretrained weights, a checkpoint that fits) and its CPU fallbacks; the
# stock tools (MMAction2's tools/train.py and test.py, mim) build it too.
runner_type = 'CheckedRunner'

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, ignore_last=False),
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=3, save_best='auto'))

# DataEpochSeedHook: new random views every epoch, a function of (seed,
# epoch, sample) whatever the data workers are, so that --resume replays an
# epoch exactly. PortableCheckpointHook: checkpoints that the stock tools
# (init_recognizer, MMAction2's tools/test.py, publish_model.py) load with
# torch's weights-only unpickling. NonFiniteLossHook: a NaN/inf loss or
# gradient norm stops the run before any checkpoint holds it
# (on_non_finite='skip' skips such steps, at most max_skipped_steps).
# PreemptionCheckpointHook: SIGTERM or SIGUSR1 (Slurm's --signal) saves
# iter_N.pth on every rank and exits with 128 + the signal's number;
# --resume continues mid-epoch.
custom_hooks = [
    dict(type='DataEpochSeedHook'),
    dict(type='PortableCheckpointHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='PreemptionCheckpointHook')
]

# Training curves go to <work_dir>/<timestamp>/vis_data/scalars.json
# (tools/analysis/plot_curves.py). TensorBoard or W&B as well: tools/train.py
# --vis-backends local tensorboard (or wandb), or in a config
#   visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),
#                                   dict(type='TensorboardVisBackend')])
visualizer = dict(
    type='ActionVisualizer', vis_backends=[dict(type='LocalVisBackend')])

# Every config of the project has fixed input sizes: let cuDNN pick the
# fastest convolution algorithms once. A collective that waits longer than
# `timeout` seconds (a stalled or dead rank) stops the run, naming the rank
# that did not arrive.
env_cfg = dict(
    cudnn_benchmark=True, dist_cfg=dict(backend='nccl', timeout=300))
