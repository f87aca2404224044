# Reuse an upstream MMAction2 config and only swap in the SCFA transforms:
# SampleFrames -> TemporalMultiView (2 views of 16 frames), and GridAggregate
# before FormatShape (each view becomes one 4x4 grid of 56x56 frames, so TSN
# sees 2 "segments" of 224x224). The model, schedule, data paths and the
# stock spatial transforms are upstream's. TenCrop becomes CenterCrop (one
# crop per grid image) because the grid is already 224x224. TSN fits any
# number of views: it encodes each grid as an image and averages the views'
# scores. Which upstream recognizers take grids (TSM: see the TSM example;
# 3D ones: none) is in docs/upstream_recognizers.md.
_base_ = ('mmaction::recognition/tsn/'
          'tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py')

custom_imports = dict(imports=['scfa_mm'], allow_failed_imports=False)
# Fails before the first batch if the model cannot take these grids (e.g.
# the recognizer swapped for a 3D one), also with MMAction2's own tools.
custom_hooks = [dict(type='GridRecognizerCheckHook')]

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='TemporalMultiView', num_views=2, clip_len=16),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    # flip frames before tiling: a flipped grid would reverse time per row
    dict(type='Flip', flip_ratio=0.5),
    dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56)),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='TemporalMultiView', num_views=2, clip_len=16, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56)),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
