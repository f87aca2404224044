# CVRL: a 3D ResNet-50 trained from scratch on pairs of clips. The backbone
# is MMAction2's ResNet3dSlowOnly in the layout of the official CVRL R3D-50
# (tensorflow/models official/projects/video_ssl): 3D convolutions (temporal
# kernel 3) in res4 and res5 only, a stem with temporal kernel 5 and stride
# 2, no temporal pooling. Projection: 3 layers (2048 with BatchNorm and
# ReLU, then 128), as the paper describes it (the official code has 3
# hidden layers before the output: num_layers=4). InfoNCE at temperature
# 0.1 over every clip of the global batch = SupConLoss with video ids.
model = dict(
    type='CVRL',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        lateral=False,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=2,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1),
        norm_eval=False),
    neck=dict(
        type='ProjectionNeck',
        in_channels=2048,
        hidden_channels=2048,
        out_channels=128,
        num_layers=3,
        with_bn=True),
    head=dict(
        type='SupConHead',
        loss=dict(type='SupConLoss', temperature=0.1, base_temperature=0.1)),
    # online linear probe on detached features: test accuracy while
    # pre-training, no effect on the encoder
    cls_head=dict(
        type='LinearProbeHead',
        num_classes=400,
        in_channels=2048,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
