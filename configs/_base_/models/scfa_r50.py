# (paper) SCFA: a shared ImageNet-pretrained ResNet-50 encodes each view's
# 4x4 grid (224x224), a 2-layer MLP (neck) projects the 2048-d pooled
# features to 128-d L2-normalised embeddings, and the supervised
# contrastive loss (head, t = 0.07) trains the encoder. (ours) A linear
# classifier on the detached 2048-d features (cls_head) is trained
# alongside (online linear probe, SupCon's linear protocol in one run) and
# gives the test accuracy: the paper does not say how it classifies.
model = dict(
    type='SCFARecognizer',
    backbone=dict(
        type='ResNet',
        depth=50,
        pretrained='torchvision://resnet50',
        norm_eval=False),
    # (ours) The paper does not give the MLP width; 2048 is the SupCon
    # reference head for ResNet-50 (2048 -> 2048 -> 128).
    neck=dict(
        type='ProjectionNeck',
        in_channels=2048,
        hidden_channels=2048,
        out_channels=128,
        num_layers=2),
    head=dict(
        type='SupConHead',
        loss=dict(type='SupConLoss', temperature=0.07, base_temperature=0.07)),
    cls_head=dict(
        type='LinearProbeHead',
        num_classes=51,
        in_channels=2048,
        average_clips='prob'),
    # 'label': supervised contrastive; 'video': self-supervised.
    positives='label',
    # 0: the classifier sees detached features and does not train the
    # encoder; > 0 adds its cross-entropy, scaled, to the encoder's loss.
    joint_ce_weight=0.0,
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))
