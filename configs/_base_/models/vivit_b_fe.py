# ViViT-B, Model 2 (factorised encoder): 32 frames at 224x224, tubelets of
# 2x16x16 (16 temporal indices x 196 patches), 12 spatial + 4 temporal
# layers of ViT-B (768-d, 12 heads), initialised from an ImageNet ViT-B/16
# in mmpretrain's format with central-frame inflation, as in the paper.
# Put the image checkpoint (mmpretrain's ViT-B/16 ImageNet-21k pre-trained
# weights) at the path below, or set model.backbone.pretrained.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ViViT',
        arch='base',
        model_type='factorised_encoder',
        num_frames=32,
        img_size=224,
        tubelet_size=(2, 16, 16),
        drop_path_rate=0.1,
        pretrained='checkpoints/vit-base-p16_in21k-pre.pth',
        inflate='central'),
    cls_head=dict(
        type='ViViTHead',
        num_classes=51,
        in_channels=768,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        format_shape='NCTHW'))
