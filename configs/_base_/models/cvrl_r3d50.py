# CVRL: a 3D ResNet-50 trained from scratch on pairs of clips, as the
# official code (tensorflow/models official/projects/video_ssl, "the
# release"; cvrl_pretrain_k600_200ep.yaml, video_ssl_model.py).
model = dict(
    type='CVRL',
    # MMAction2's ResNet3dSlowOnly in the release's R3D-50 layout: temporal
    # kernel 3 in the first (1x1) conv of every res4 and res5 block, 1
    # elsewhere; stem conv 5x7x7 with temporal stride 2; stem max pool
    # 1x3x3 with temporal stride 1; no other temporal pooling or striding
    # (with_pool2=False, the SlowOnly default). (release)
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        lateral=False,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=2,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1),
        # The release's blocks end with a plain BatchNorm (gamma 1);
        # MMAction2 zeroes it by default. (release)
        zero_init_residual=False,
        # BatchNorm momentum 0.1 and eps 1e-5 = the release's Keras 0.9 and
        # 1e-5. Convolutions: MMAction2's Kaiming-normal (fan out) init;
        # the release's Keras VarianceScaling (fan in, scale 1) differs by a
        # per-layer scale that the following BatchNorm removes. (ours)
        norm_eval=False),
    # 3 hidden layers of 2048 with BatchNorm and ReLU, then 128: the
    # release's hidden_layer_num=3 counts hidden layers, our num_layers
    # counts linear layers, so 4 (the paper text describes 3 layers in
    # all: num_layers=3). No BatchNorm on the output; its Linear has a
    # bias. The hidden Linears' biases are dropped: BatchNorm cancels them.
    # Glorot-uniform weights and zero biases, Keras' Dense defaults.
    # The release's head BatchNorm keeps its running statistics with
    # momentum 0.003 (Keras 0.997), ours with 0.1: they are used only in
    # eval mode, where the projection is not. (release)
    neck=dict(
        type='ProjectionNeck',
        in_channels=2048,
        hidden_channels=2048,
        out_channels=128,
        num_layers=4,
        with_bn=True,
        init_cfg=dict(type='Xavier', layer='Linear',
                      distribution='uniform')),
    # InfoNCE at temperature 0.1 over every clip of the global batch =
    # SupConLoss with video ids. loss_weight=2: the release's loss is
    # loss_a + loss_b, the mean over the first clips of their cross-entropy
    # plus the same over the second clips (losses.py), i.e. twice our mean
    # over all 2N clips; the logged loss_supcon is then the release's
    # contrastive_loss. See the schedule for how replicas add up. (release)
    head=dict(
        type='SupConHead',
        loss=dict(
            type='SupConLoss',
            temperature=0.1,
            base_temperature=0.1,
            loss_weight=2.0)),
    # online linear probe on detached features: test accuracy while
    # pre-training, no effect on the encoder (ours; the release has none)
    cls_head=dict(
        type='LinearProbeHead',
        num_classes=400,
        in_channels=2048,
        average_clips='prob'),
    # ImageNet mean/std (ours). The release feeds [0, 1] values: a
    # per-channel affine map of the input, which the first convolution
    # and its BatchNorm absorb.
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
