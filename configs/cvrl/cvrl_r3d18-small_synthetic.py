# CVRL sized for 2 CPU cores on the synthetic temporal-action set
# (tools/data/make_synthetic.py): the method as the official code runs it
# (interval-sampled clip pairs, per-clip augmentation with the release's
# asymmetric blur and solarisation, InfoNCE at t = 0.1 summed over the two
# clips, online linear probe) with a small model and input, in the budget
# of configs/scfa_synthetic.py (20 epochs, Adam at 3e-4, batch 16 videos):
#   python tools/train.py configs/cvrl/cvrl_r3d18-small_synthetic.py
# Changed to fit: a 3D ResNet-18 with 16 base channels, 2 clips of 8 frames
# at stride 2, 32x32 crops, a 128 -> 128 projection with 3 hidden layers
# of width 256, plain BatchNorm, Adam. No flip: a mirrored "move right" is
# "move left".
_base_ = [
    '../_base_/models/cvrl_r3d50.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adam_cosine_100e.py'
]

model = dict(
    backbone=dict(
        depth=18, base_channels=16, conv1_kernel=(3, 7, 7), conv1_stride_t=1),
    neck=dict(in_channels=128, hidden_channels=256),
    cls_head=dict(num_classes=8, in_channels=128, topk=(1, )))

data_root = 'data/synthetic'
data_preparation = 'python tools/data/make_synthetic.py --out data/synthetic'
clip = dict(clip_len=8, frame_interval=2)
train_pipeline = [
    dict(type='VideoInit'),
    dict(type='CVRLSampleFrames', num_clips=2, **clip),
    dict(type='DecordDecode'),
    dict(
        type='PerView',
        transforms=[
            dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
            dict(type='Resize', scale=(32, 32), keep_ratio=False),
            dict(type='ClipColorJitter', p=0.8),
            dict(type='ClipRandomGrayscale', p=0.2),
        ]),
    dict(type='ClipGaussianBlur', p=(1.0, 0.1)),
    dict(type='ClipRandomSolarize', p=(0.0, 0.2)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='CVRLSampleFrames', num_clips=2, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]


def _split(ann_file, pipeline, test_mode):
    return dict(
        batch_size=16,
        num_workers=2,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=not test_mode),
        dataset=dict(
            type='VideoDataset',
            ann_file=f'{data_root}/{ann_file}',
            data_prefix=dict(video=f'{data_root}/videos'),
            pipeline=pipeline,
            test_mode=test_mode))


train_dataloader = _split('train.txt', train_pipeline, False)
val_dataloader = _split('val.txt', test_pipeline, True)
test_dataloader = _split('test.txt', test_pipeline, True)

class_names = [
    'move_right', 'move_left', 'move_down', 'move_up', 'grow', 'shrink',
    'appear', 'disappear'
]
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy', ))
test_evaluator = [
    val_evaluator,
    dict(
        type='ReversedPairMetric',
        pairs=[(0, 1), (2, 3), (4, 5), (6, 7)],
        class_names=class_names),
    dict(type='KNNAccuracyMetric', k=5)
]

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(lr=3e-4, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_best=None))
