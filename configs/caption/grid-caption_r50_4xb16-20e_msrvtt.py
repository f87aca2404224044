# Captioning MSR-VTT from SCFA grids: a video's 16 frames tiled 4x4
# (224x224) are read by an ImageNet-pretrained ResNet-50 whose 7x7 feature
# map gives 49 visual tokens, and a 3-layer Transformer decoder writes the
# caption (_base_/models/grid_captioner_r50.py). AdamW, 20 epochs, 64 videos
# per step (_base_/schedules/adamw_cosine_20e_caption.py). The vocabulary is
# built from the training captions. No reference numbers yet
# (docs/captioning.md).
#   bash tools/dist_train.sh \
#       configs/caption/grid-caption_r50_4xb16-20e_msrvtt.py 4
#   bash tools/dist_test.sh \
#       configs/caption/grid-caption_r50_4xb16-20e_msrvtt.py \
#       work_dirs/grid-caption_r50_4xb16-20e_msrvtt/best_caption_CIDEr_*.pth 4
# To start from an SCFA encoder, frozen or not:
#   --cfg-options model.backbone_checkpoint=PATH.pth model.freeze_backbone=True
_base_ = [
    '../_base_/models/grid_captioner_r50.py',
    '../_base_/datasets/msrvtt_caption.py',
    '../_base_/schedules/adamw_cosine_20e_caption.py',
    '../_base_/default_runtime.py'
]

model = dict(vocabulary=dict(ann_file={{_base_.ann_file_train}}))
default_hooks = dict(
    checkpoint=dict(save_best='caption/CIDEr', rule='greater'))
