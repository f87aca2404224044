# Linear evaluation of a CVRL encoder on Kinetics-400, as the released
# protocol (tensorflow/models official/projects/video_ssl: the
# video_ssl_linear_eval_kinetics* experiments, cvrl_linear_eval_k600.yaml,
# tasks/linear_eval.py): the R3D-50 is loaded from a CVRL checkpoint and
# frozen, weights and BatchNorm statistics (the release sets the backbone
# non-trainable, which also runs Keras BatchNorm in inference mode); its
# globally pooled 2048-d features are L2-normalised (normalize_feature=True)
# and a linear classifier on them is trained on 32-frame clips at stride 2;
# test on 10 clips x 3 crops of 256x256 per video, class probabilities
# averaged.
# Expected (release README, R3D-50 pre-trained on Kinetics-400): 63.8% top-1
# after 200 pre-training epochs, 66.1% after 800 (the paper's R3D-50 number).
#
# Our pre-training writes an MMEngine checkpoint; MMAction2's 3D ResNets
# load weights through `pretrained` (they ignore init_cfg), from a plain
# backbone state dict:
#   python tools/publish_checkpoint.py CVRL_CHECKPOINT \
#       checkpoints/cvrl_r3d50_k400_backbone.pth --backbone-only
#   tools/dist_train.sh \
#       configs/cvrl/benchmarks/r3d50_linear-8xb32-100e_kinetics400.py 8 \
#       --cfg-options model.backbone.pretrained=BACKBONE_FILE
# The released TensorFlow checkpoints are converted by
# tools/convert/cvrl_release_checkpoint.py; they expect pixels in [0, 1]
# (the release does not subtract a mean), so evaluate them with
#   --cfg-options model.data_preprocessor.mean=[0,0,0] \
#       model.data_preprocessor.std=[255,255,255]
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
        frozen_stages=4,  # stem and res2-res5: no gradient (release)
        norm_eval=True),  # BatchNorm statistics fixed (release)
    # global average pooling then unit norm (release: normalize_feature)
    neck=dict(type='L2NormalizeNeck'),
    cls_head=dict(
        type='I3DHead',
        num_classes=400,
        in_channels=2048,
        spatial_type='avg',  # identity on the neck's (N, C, 1, 1, 1)
        # none (release: its linear-eval model has no dropout layer; the
        # yaml's dropout_rate is unused)
        dropout_ratio=0.0,
        # normal init, std 0.01 (ours; the release's Keras Dense uses
        # Glorot-uniform)
        init_std=0.01,
        # probabilities averaged over the 30 views (release)
        average_clips='prob'),
    # The mean/std of our pre-training configs: the features must be
    # computed as in pre-training (see above for the released checkpoints).
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

# 32 frames at stride 2 for training and test (release).
clip = dict(clip_len=32, frame_interval=2)
# Training clips: random resized crop (area 0.3-1, aspect 0.5-2) to 224 and
# flip, nothing else (release: aug_min_area_ratio 0.3 in the yaml). The
# release crops the stored frames; we resize to a short side of 256 first,
# as MMAction2's Kinetics videos vary in size (ours).
train_pipeline = [
    dict(type='VideoInit'),
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
# Test: 10 clips spread over the video x 3 crops of 256 after resizing the
# short side to 256 (release: num_test_clips 10, num_test_crops 3,
# feature_shape (32, 256, 256, 3)).
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', num_clips=10, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# Validation during training: one centre clip (ours: the release validates
# with the 30 test views, 30 times the cost).
val_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', num_clips=1, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# 32 clips per GPU x 8 GPUs = 256 per step (ours, for 8 GPUs; the release
# steps with 1024 on TPUs).
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_evaluator = [dict(type='AccMetric')]

# 100 epochs (release: 35744 steps of 1024 clips on Kinetics-600's 366016
# training videos), 5 of them linear warm-up (release: 1787 steps), then
# cosine to 0.
max_epochs = 100
warmup_epochs = 5
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# SGD, momentum 0.9, no Nesterov, no weight decay, learning rate 32 at a
# batch of 1024 (release), i.e. 8 at this config's 256 (linear scaling;
# `tools/train.py --auto-scale-lr` rescales it for another total batch).
optim_wrapper = dict(
    optimizer=dict(
        type='SGD',
        lr=32.0 * 256 / 1024,
        momentum=0.9,
        nesterov=False,
        weight_decay=0.0))
param_scheduler = [
    # from 0 (release: warmup_learning_rate 0); MMEngine needs a factor > 0
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    # The release's cosine spans all steps, warm-up included (it is 0.6%
    # below its peak when the warm-up ends); ours starts after the warm-up.
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
default_hooks = dict(checkpoint=dict(interval=5, save_best='auto'))
