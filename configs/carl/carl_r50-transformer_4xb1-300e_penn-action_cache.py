# configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py reading the
# Penn Action frame cache (build it with the command in
# _base_/datasets/penn_action_carl_cache.py): the same model, schedule,
# runtime and samples.
_base_ = [
    '../_base_/models/carl_r50_transformer.py',
    '../_base_/datasets/penn_action_carl_cache.py',
    '../_base_/schedules/adam_cosine_300e_carl.py',
    '../_base_/default_runtime.py'
]
# as carl_r50-transformer_4xb1-300e_penn-action.py (release)
sync_bn = 'torch'
# (ours) the dataset's per-view augmentation, drawn in the data workers,
# done on the GPU (PerViewOnDevice); test batches are only normalised.
# carl_r50-transformer_4xb1-300e_penn-action_cpu-augment.py does it in the
# workers instead.
model = dict(data_preprocessor=dict(type='ClipAugmentDataPreprocessor'))
randomness = dict(seed=1)
default_hooks = dict(checkpoint=dict(interval=60, save_best=None))
