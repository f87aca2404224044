# CARL's schedule (paper, section 4.2): Adam, learning rate 1e-4, weight
# decay 1e-5, cosine decay without restarts, 300 epochs. No validation
# during training: the frame-level metrics need the training split's
# embeddings (tools/analysis/evaluate_frames.py).
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_begin=301)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-5), clip_grad=None)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=300,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=300)
]
# the paper's 4 videos per step; the learning rate scales with more or fewer
auto_scale_lr = dict(enable=False, base_batch_size=4)
