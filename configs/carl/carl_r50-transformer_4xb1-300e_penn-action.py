# CARL on Penn Action, as the authors' released code trains and evaluates it
# (minghchen/CARL_code, configs/scl_transformer_action_config.yml over
# utils/config.py); where the paper's text differs, the comments of the
# _base_ files say so and how to get the paper's variant. T = 80 frames per
# view, sigma^2 = 10, tau = 0.1; Adam 1e-4, weight decay 1e-5, cosine decay
# (T_max 301 epochs), no warm-up, gradient clipping at L2 norm 10, SyncBN,
# 300 epochs, 1 video (2 views) per GPU, 4 GPUs (the paper's batch of 4):
#   tools/dist_train.sh \
#       configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py 4 --amp
# (--amp: the release trains in float16 autocast with a gradient scaler,
# USE_AMP true; without it, float32.)
# Evaluation (frame embeddings of whole videos; the linear phase classifier
# and progression regressor fitted on the training split):
#   python tools/analysis/evaluate_frames.py \
#       configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py CKPT
# Every metric within each of the 13 actions, then averaged (paper,
# release). The frame cache variant swaps the dataset _base_:
# carl_r50-transformer_4xb1-300e_penn-action_cache.py.
_base_ = [
    '../_base_/models/carl_r50_transformer.py',
    '../_base_/datasets/penn_action_carl.py',
    '../_base_/schedules/adam_cosine_300e_carl.py',
    '../_base_/default_runtime.py'
]
# (release) train.py converts every BatchNorm to SyncBatchNorm
sync_bn = 'torch'
# (ours) the dataset's per-view augmentation, drawn in the data workers,
# done on the GPU (PerViewOnDevice); test batches are only normalised.
# carl_r50-transformer_4xb1-300e_penn-action_cpu-augment.py does it in the
# workers instead.
model = dict(data_preprocessor=dict(type='ClipAugmentDataPreprocessor'))
# (release) RNG_SEED 1; a checkpoint every 60 epochs (SAVE_INTERVAL)
randomness = dict(seed=1)
default_hooks = dict(checkpoint=dict(interval=60, save_best=None))
