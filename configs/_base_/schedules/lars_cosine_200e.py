# CVRL's pre-training schedule: 200 epochs, cosine decay after a 5-epoch
# linear warm-up, learning rate 0.32 at a global batch of 1024 (scaled
# linearly by auto_scale_lr for other batch sizes), weight decay 1e-6, as
# the official Kinetics config (tensorflow/models, cvrl_pretrain_k600_200ep).
# The official config steps with SGD (momentum 0.9); the paper names LARS,
# which is used here (mmpretrain's; BatchNorm and bias parameters excluded
# from weight decay and adaptation, as usual for LARS). A config using it
# imports mmpretrain.engine (see configs/cvrl/).

max_epochs = 200
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='mmpretrain.LARS', lr=0.32, momentum=0.9, weight_decay=1e-6),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'bn': dict(decay_mult=0, lars_exclude=True),
            'bias': dict(decay_mult=0, lars_exclude=True),
        }))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 5,
        eta_min=0,
        by_epoch=True,
        begin=5,
        end=max_epochs,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=1024)
