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

train_dataloader = dict(batch_size=1)
# Kendall's tau and retrieval need no training; phase classification and
# progression are added by tools/analysis/evaluate_frames.py, which first
# dumps the training split's embeddings. The frame stride of 5 is ours (the
# paper does not give one).
test_evaluator = [
    dict(type='KendallsTauMetric', stride=5),
    dict(type='FrameRetrievalMetric', topk=(5, 10, 15), stride=5)
]
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
# 4 GPUs x 1 video; the learning rate scales with more (or fewer) videos
auto_scale_lr = dict(enable=False, base_batch_size=4)
