# CARL's schedule. (paper, section 4.2) Adam, learning rate 1e-4, weight
# decay 1e-5, cosine decay without restarts, 300 epochs. (release)
# utils/optimizer.py and configs/scl_transformer_action_config.yml: the
# same Adam (betas 0.9, 0.999; L2 weight decay on every trained parameter,
# BatchNorm included), the frozen ResNet stages left out; torch's
# CosineAnnealingLR with T_max = MAX_EPOCHS + 1 = 301, stepped once per
# epoch (the last epoch runs at lr 1e-4 * (1 + cos(299 pi / 301)) / 2, not
# 0); no warm-up (NUM_WARMUP_STEPS is read only by its 'cosinewarmup'
# decay); gradients clipped to a global L2 norm of 10 (GRAD_CLIP,
# clip_grad_norm_ over all parameters). No validation during training:
# the frame-level metrics need the training split's embeddings
# (tools/analysis/evaluate_frames.py; the release evaluates every 50
# epochs).
max_epochs = 300
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=max_epochs + 1)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(
        type='Adam', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-5),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs + 1,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
# the paper's 4 videos per step (the release does not scale its learning
# rate with the number of GPUs)
auto_scale_lr = dict(enable=False, base_batch_size=4)
