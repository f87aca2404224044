# Reuse an upstream TSM config with SCFA's GridAggregate: a sequence of
# `num_segments` grids per video, in temporal order. SampleFrames cuts the
# video into `num_segments` segments and takes a 16-frame snippet from each;
# GridAggregate tiles every snippet into one 4x4 grid of 56x56 frames, so
# TSM sees `num_segments` 224x224 images and its temporal shift exchanges
# channels between consecutive snippets (same cell = same frame offset in
# neighbouring snippets). TSM groups every `num_segments` consecutive images
# of a batch as one video, so the backbone, the head and the sampler share
# the one variable below. Why not TemporalMultiView: its training views
# each span the whole video and are drawn independently, so they have no
# temporal order for the shift to follow (docs/upstream_recognizers.md).
# The model (ResNet-50 TSM), schedule, data paths and stock spatial
# transforms are upstream's; TenCrop becomes CenterCrop (the grid is
# already 224x224).
_base_ = ('mmaction::recognition/tsm/'
          'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py')

custom_imports = dict(imports=['scfa_mm'], allow_failed_imports=False)
# Fails before the first batch (and before any weight download) if the model
# cannot take these grids, also with MMAction2's own tools/train.py.
custom_hooks = [dict(type='GridRecognizerCheckHook')]

num_segments = 8  # grids per video = TSM segments
snippet = dict(clip_len=16, frame_interval=2, num_clips=num_segments)
grid = dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56))

model = dict(
    backbone=dict(num_segments=num_segments),
    cls_head=dict(num_segments=num_segments))

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', **snippet),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1,
        num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    # flip frames before tiling: a flipped grid would reverse time per row
    dict(type='Flip', flip_ratio=0.5),
    grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', test_mode=True, **snippet),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
