# Captioning MSVD from SCFA grids: the model and schedule of
# grid-caption_r50_4xb16-20e_msrvtt.py on MSVD's 1,200 training videos
# (about 40 captions each). No reference numbers yet (docs/captioning.md).
#   bash tools/dist_train.sh \
#       configs/caption/grid-caption_r50_4xb16-20e_msvd.py 4
_base_ = [
    '../_base_/models/grid_captioner_r50.py',
    '../_base_/datasets/msvd_caption.py',
    '../_base_/schedules/adamw_cosine_20e_caption.py',
    '../_base_/default_runtime.py'
]

model = dict(vocabulary=dict(ann_file={{_base_.ann_file_train}}))
default_hooks = dict(
    checkpoint=dict(save_best='caption/CIDEr', rule='greater'))
