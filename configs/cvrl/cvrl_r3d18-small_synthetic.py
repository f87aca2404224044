# CVRL sized for 2 CPU cores on the synthetic temporal-action set
# (tools/data/make_synthetic.py): the method as the official code runs it
# (interval-sampled clip pairs, per-clip augmentation with the release's
# asymmetric blur and solarisation, InfoNCE at t = 0.1 summed over the two
# clips, online linear probe) with a small model and input, in the budget
# of ../scfa/scfa_r18_synthetic.py (20 epochs, Adam at 3e-4, batch 16
# videos):
#   python tools/train.py configs/cvrl/cvrl_r3d18-small_synthetic.py
# Changed to fit: a 3D ResNet-18 with 16 base channels, 2 clips of 8 frames
# at stride 2, 32x32 crops, a 128 -> 128 projection with 3 hidden layers
# of width 256, plain BatchNorm, Adam. No flip: a mirrored "move right" is
# "move left".
# The set, its classes and evaluation, the schedule and the runtime are the
# _base_ pieces shared with the other synthetic configs.
_base_ = [
    '../_base_/models/cvrl_r3d50.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/adam_cosine_20e_synthetic.py',
    '../_base_/synthetic_runtime.py'
]

model = dict(
    backbone=dict(
        depth=18, base_channels=16, conv1_kernel=(3, 7, 7), conv1_stride_t=1),
    neck=dict(in_channels=128, hidden_channels=256),
    cls_head=dict(num_classes=8, in_channels=128, topk=(1, )))

clip = dict(clip_len=8, frame_interval=2)
train_pipeline = [
    dict(type='VideoInit'),
    dict(type='CVRLSampleFrames', num_views=2, **clip),
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
    dict(type='CVRLSampleFrames', num_views=2, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# top-1 and reversal accuracy, and k-NN on the encoder's features
test_evaluator = [*_base_.test_evaluator, dict(type='KNNAccuracyMetric', k=5)]
