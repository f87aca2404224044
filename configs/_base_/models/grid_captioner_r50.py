# (ours) The grid captioner: an ImageNet-pretrained ResNet-50 reads a
# video's 4x4 frame grid (224x224, the SCFA input) into a 7x7x2048 feature
# map; each of its 49 positions becomes a visual token (a linear map to
# 512-d and a 2D sine-cosine position), so the decoder can attend to single
# cells, i.e. moments of the video. A 3-layer pre-norm Transformer decoder
# (512-d, 8 heads, the size of the small captioning Transformers on
# MSR-VTT/MSVD) writes the caption word by word: teacher forcing with
# label smoothing 0.1 in training, beam search (3 beams, length-normalised)
# at test. The word vocabulary is built from the training captions (words
# seen at least twice) and saved in every checkpoint.
model = dict(
    type='GridCaptioner',
    backbone=dict(
        type='ResNet',
        depth=50,
        pretrained='torchvision://resnet50',
        norm_eval=False),
    visual_channels=2048,
    # Start from an SCFA checkpoint's encoder instead of ImageNet's:
    #   model=dict(backbone_checkpoint='work_dirs/.../epoch_100.pth')
    # (its backbone.* weights; all must fit model.backbone).
    backbone_checkpoint=None,
    # True: the encoder stays as loaded (weights and batch-norm statistics)
    # and only the decoder and the token projection train.
    freeze_backbone=False,
    decoder=dict(
        type='CaptionTransformerDecoder',
        embed_dims=512,
        num_layers=3,
        num_heads=8,
        feedforward_channels=2048,
        dropout=0.1,
        max_length=24),
    vocabulary=dict(ann_file=None, min_count=2),
    label_smoothing=0.1,
    # every caption of a video per step: the grid is encoded once and the
    # decoder, which is cheap, reads it once per caption
    captions_per_video=None,
    beam_size=3,
    length_penalty=1.0,
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))
