# ViViT's fine-tuning recipe: synchronous SGD with momentum 0.9, a cosine
# learning-rate decay after a linear warm-up, batch 64, 30 epochs (the
# paper's Kinetics fine-tuning length). The paper gives no HMDB51 or Penn
# Action setting; the base rate 0.01 (at batch 64) and the 2.5-epoch
# warm-up are our choice for fine-tuning on these small sets.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0),
    clip_grad=dict(max_norm=1.0, norm_type=2))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=2.5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=27.5,
        eta_min=0,
        by_epoch=True,
        begin=2.5,
        end=30,
        convert_to_iter_based=True)
]

auto_scale_lr = dict(enable=False, base_batch_size=64)
