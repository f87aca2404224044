# CARL on Penn Action (the paper's setting, section 4.2): T = 80 frames per
# view, alpha = 1.5, beta = 0.2, sigma^2 = 10, tau = 0.1; Adam, learning
# rate 1e-4, weight decay 1e-5, cosine decay, 300 epochs, 4 videos (8 views)
# per batch on 4 GPUs:
#   tools/dist_train.sh \
#       configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py 4
# Evaluation (frame embeddings of whole videos; the linear phase classifier
# and progression regressor fitted on the training split):
#   python tools/analysis/evaluate_frames.py \
#       configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py CKPT
# Every metric within each of the 13 actions, then averaged (the paper's
# protocol for Penn Action). The frame cache variant swaps the dataset
# _base_: carl_r50-transformer_4xb1-300e_penn-action_cache.py.
_base_ = [
    '../_base_/models/carl_r50_transformer.py',
    '../_base_/datasets/penn_action_carl.py',
    '../_base_/schedules/adam_cosine_300e_carl.py',
    '../_base_/default_runtime.py'
]
