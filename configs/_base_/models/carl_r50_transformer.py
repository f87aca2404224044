# CARL: the frame-level video encoder of the paper (section 3.3) and its
# sequence contrastive loss (section 3.4). ResNet-50 per frame (ImageNet
# weights; the paper uses BYOL weights, which are not a standard release)
# with the stem and the first three residual stages frozen, max-pooled as in
# the authors' code; two FC-BN-ReLU layers to 256; sine-cosine positions; a
# 3-layer pre-norm Transformer (256 wide, 8 heads, feed-forward 1024 as in
# the authors' configs, dropout 0.1); a linear layer to 128. The paper's
# projection head is "a two-layer MLP" without sizes: 128 -> 128 -> ReLU ->
# 128 here (our choice). Loss: sigma^2 = 10, tau = 0.1.
model = dict(
    type='CARL',
    backbone=dict(
        type='FrameTransformerEncoder',
        image_backbone=dict(
            type='ResNet',
            depth=50,
            pretrained='torchvision://resnet50',
            frozen_stages=3),
        in_channels=2048,
        embed_channels=256,
        out_channels=128,
        num_layers=3,
        num_heads=8,
        ffn_channels=1024,
        dropout=0.1,
        spatial_pool='max',
        num_train_frames=80,
        # frames per ResNet pass: bounds the memory of whole-video tests
        chunk_size=64),
    neck=dict(
        type='ProjectionNeck',
        in_channels=128,
        hidden_channels=128,
        out_channels=128,
        num_layers=2),
    head=dict(
        type='SequenceContrastiveHead',
        loss=dict(
            type='SequenceContrastiveLoss', temperature=0.1, variance=10.0)),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
