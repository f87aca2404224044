# CARL: the frame-level video encoder (paper, section 3.3) and its sequence
# contrastive loss (section 3.4), built as the authors' code builds it for
# Penn Action (TransformerModel, configs/scl_transformer_action_config.yml
# over utils/config.py), so that its checkpoints convert one to one
# (tools/convert/carl_release_checkpoint.py). Where a value comes from:
# (paper) the paper's text, (release) the authors' code, (ours) our choice.
model = dict(
    type='CARL',
    backbone=dict(
        type='FrameTransformerEncoder',
        image_backbone=dict(
            type='ResNet',
            depth=50,
            # (release) torchvision's ImageNet weights: the release's
            # TransformerModel calls resnet50(pretrained=True); the paper
            # says BYOL weights, which only its conv/TCC model loads
            pretrained='torchvision://resnet50',
            # (paper, release) stem and stages 1-3 frozen with their
            # BatchNorm statistics, stage 4 trained
            frozen_stages=3),
        in_channels=2048,
        # (release) FC_LAYERS 2 x 256 x CAPACITY_SCALAR 2: two
        # Dropout-FC-BN-ReLU layers 512 wide, then a linear layer to the
        # Transformer's 256 (the paper: "two fully-connected layers" to 256;
        # fc_channels=None gives that variant)
        fc_channels=512,
        # (paper, release) HIDDEN_SIZE 256, 3 layers, 8 heads, D_FF 1024
        embed_channels=256,
        num_layers=3,
        num_heads=8,
        ffn_channels=1024,
        # (release) pre-norm layers, no final norm, ReLU; dropout 0.1
        # (FC_DROPOUT_RATE) before the FC layers, after the positions and on
        # the residual branches; none on the attention weights nor inside
        # the feed-forward block; xavier-uniform weights, every layer
        # starting as a copy of the first
        dropout=0.1,
        attention_dropout=0.0,
        ffn_dropout=0.0,
        transformer_init='xavier',
        # (release) channel i of the sine-cosine encoding has the frequency
        # 10000 ** (-i / 256), cosine channels included (Vaswani et al.:
        # 'pairwise'); positions 0..79 in training, a whole video spread
        # over [0, 79] at test time
        position_frequencies='per_channel',
        num_train_frames=80,
        # (release) EMBEDDING_SIZE 128, spatial max pooling
        out_channels=128,
        spatial_pool='max',
        # (release) FRAMES_PER_BATCH 40: time steps of all clips per ResNet
        # pass; it sets the batches of stage 4's BatchNorm in training and
        # bounds the memory of whole-video tests
        chunk_size=40),
    # (release) MLPHead: Linear 128 -> 128 (PROJECTION_SIZE; the release's
    # PROJECTION_HIDDEN_SIZE 512 is never read), BatchNorm, ReLU, Linear
    # -> 128. The paper: "a two-layer MLP", no sizes. The release's bias
    # before the BatchNorm cancels out; its converter folds it into the
    # running mean.
    neck=dict(
        type='ProjectionNeck',
        in_channels=128,
        hidden_channels=128,
        out_channels=128,
        num_layers=2,
        with_bn=True),
    # (paper, release) sigma^2 = 10, tau = 0.1
    head=dict(
        type='SequenceContrastiveHead',
        loss=dict(
            type='SequenceContrastiveLoss', temperature=0.1, variance=10.0)),
    # (release) ImageNet mean and std on RGB
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
