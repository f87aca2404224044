# SCFA: a shared ImageNet-pretrained ResNet-50 encodes each view's 4x4 grid
# (224x224), a 2-layer MLP projects the 2048-d pooled features to 128-d
# L2-normalised embeddings, and the supervised contrastive loss (t = 0.07)
# trains the encoder. A linear classifier on the detached 2048-d features is
# trained alongside (online linear probe) and gives the test accuracy.
model = dict(
    type='SCFARecognizer',
    backbone=dict(
        type='ResNet',
        depth=50,
        pretrained='torchvision://resnet50',
        norm_eval=False),
    cls_head=dict(
        type='SupConHead',
        num_classes=51,
        in_channels=2048,
        # The paper does not give the MLP width; 2048 is the SupCon
        # reference head for ResNet-50 (2048 -> 2048 -> 128).
        hidden_channels=2048,
        embed_channels=128,
        positives='label',
        loss_contrastive=dict(
            type='SupConLoss', temperature=0.07, base_temperature=0.07),
        joint_ce_weight=0.0,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))
