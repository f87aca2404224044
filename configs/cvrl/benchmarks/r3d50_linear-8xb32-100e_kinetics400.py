# Linear evaluation of a CVRL encoder on Kinetics-400, as the official
# video_ssl_linear_eval config: the R3D-50 is loaded from a CVRL checkpoint
# and frozen (weights and BatchNorm statistics); a linear classifier on its
# pooled 2048-d features is trained on 32-frame clips at stride 2, and
# tested on 10 clips x 3 crops of 256x256 per video, scores averaged.
# MMAction2's 3D ResNets load weights through `pretrained` (they ignore
# init_cfg), from a plain backbone state dict:
#   python tools/publish_checkpoint.py CVRL_CHECKPOINT \
#       checkpoints/cvrl_r3d50_k400_backbone.pth --backbone-only
#   tools/dist_train.sh \
#       configs/cvrl/benchmarks/r3d50_linear-8xb32-100e_kinetics400.py 8 \
#       --cfg-options model.backbone.pretrained=BACKBONE_FILE
# Open settings (ours): SGD at 0.1 (momentum 0.9, no weight decay), cosine
# over 100 epochs, batch 256; the official evaluation also L2-normalises
# the features before the classifier, which this config does not.
_base_ = [
    '../../_base_/datasets/kinetics400_cvrl.py',
    '../../_base_/default_runtime.py'
]

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained='checkpoints/cvrl_r3d50_k400_backbone.pth',
        pretrained2d=False,  # a 3D state dict, not an image model
        lateral=False,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=2,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1),
        frozen_stages=4,
        norm_eval=True),
    cls_head=dict(
        type='I3DHead',
        num_classes=400,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.0,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

clip = dict(clip_len=32, frame_interval=2)
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', num_clips=1, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='RandomResizedCrop',
        area_range=(0.3, 1.0),
        aspect_ratio_range=(0.5, 2.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', num_clips=10, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', num_clips=1, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_evaluator = [dict(type='AccMetric')]

max_epochs = 100
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
default_hooks = dict(checkpoint=dict(interval=5, save_best='auto'))
