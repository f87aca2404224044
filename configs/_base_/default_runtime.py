# MMAction2's runtime (hooks, logging, visualizer) with the plugin imported.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['scfa_mm'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, ignore_last=False),
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=3, save_best='auto'))

# New random views every epoch, a function of (seed, epoch, sample) whatever
# the data workers are, so that --resume replays an epoch exactly.
custom_hooks = [dict(type='DataEpochSeedHook')]

# Every config of the project has fixed input sizes: let cuDNN pick the
# fastest convolution algorithms once.
env_cfg = dict(cudnn_benchmark=True)
