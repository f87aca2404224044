# (ours) Captioning schedule: AdamW at 1e-4 for the decoder and the token
# projection, a tenth of it for the pretrained encoder (which a new
# decoder's early gradients would otherwise wreck), weight decay 0.05, one
# epoch of linear warm-up, then cosine to 0 over 20 epochs; validation
# every 2 epochs. The learning rate is for 64 videos per step (4 GPUs x
# 16); --auto-scale-lr scales it to another total.
max_epochs = 20
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))),
    clip_grad=dict(max_norm=1.0))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 1,
        eta_min=0,
        by_epoch=True,
        begin=1,
        end=max_epochs)
]

auto_scale_lr = dict(enable=False, base_batch_size=64)
