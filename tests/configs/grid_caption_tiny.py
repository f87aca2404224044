# A tiny grid captioner for end-to-end tests: ResNet-18 from scratch reads
# 4 frames tiled 2x2 with 32x32 cells (64x64 images, a 2x2 feature map: 4
# visual tokens); a 1-layer 32-d decoder. The test writes the videos and
# their captions and sets the files with --cfg-options.
_base_ = [
    '../../configs/_base_/models/grid_captioner_r50.py',
    '../../configs/_base_/default_runtime.py'
]

ann_file = 'data/tiny/captions.json'
data_root = 'data/tiny/videos'

model = dict(
    backbone=dict(depth=18, pretrained=None),
    visual_channels=512,
    decoder=dict(
        embed_dims=32,
        num_layers=1,
        num_heads=2,
        feedforward_channels=64,
        max_length=12),
    vocabulary=dict(ann_file=ann_file, min_count=1),
    beam_size=2)

grid = dict(type='GridAggregate', grid_shape=(2, 2), cell_size=(32, 32))
pack = dict(
    type='PackActionInputs',
    algorithm_keys=('gt_captions', ),
    meta_keys=('video_id', ))
train_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=1, clip_len=4),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'), pack
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=1, clip_len=4, test_mode=True),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'), pack
]
dataset = dict(
    type='VideoCaptionDataset',
    ann_file=ann_file,
    data_prefix=dict(video=data_root))
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline, **dataset))
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=test_pipeline, test_mode=True, **dataset))
val_dataloader = test_dataloader
test_evaluator = [
    dict(type='VideoCaptionMetric', meteor=False),
    dict(
        type='CaptionKeywordMetric',
        keywords=dict(right=['right'], left=['left']),
        class_names=['right', 'left'])
]
val_evaluator = test_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=3, val_interval=3)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-2))
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=3, save_best=None, max_keep_ckpts=-1))
randomness = dict(seed=0)
# every step's own loss in the logs (the test reads them)
log_processor = dict(window_size=1)
