# configs/cvrl/cvrl_r3d50_16xb64-200e_kinetics400.py reading a frame cache
# of Kinetics-400 (build it with the command in
# _base_/datasets/kinetics400_cvrl_cache.py): the same model, schedule,
# runtime and samples, about a quarter of the data workers' time per
# sample (docs/performance.md).
_base_ = [
    '../_base_/models/cvrl_r3d50.py',
    '../_base_/datasets/kinetics400_cvrl_cache.py',
    '../_base_/schedules/sgd_warmup_cosine_200e.py',
    '../_base_/default_runtime.py'
]
# as cvrl_r3d50_16xb64-200e_kinetics400.py
sync_bn = 'torch'
model = dict(data_preprocessor=dict(type='ClipAugmentDataPreprocessor'))
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
