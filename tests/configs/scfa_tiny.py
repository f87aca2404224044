# A tiny SCFA for end-to-end tests: ResNet-18 from scratch, 2 views of
# 4 frames tiled 2x2 with 16x16 cells (32x32 images), 2 classes.
_base_ = [
    '../../configs/_base_/models/scfa_r50.py',
    '../../configs/_base_/schedules/adam_cosine_100e.py',
    '../../configs/_base_/default_runtime.py'
]

data_root = 'data/tiny/videos'
ann_file = 'data/tiny/train.txt'

model = dict(
    backbone=dict(depth=18, pretrained=None),
    neck=dict(in_channels=512, hidden_channels=32, out_channels=16),
    cls_head=dict(num_classes=2, in_channels=512, topk=(1, )))

grid = dict(type='GridAggregate', grid_shape=(2, 2), cell_size=(16, 16))
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='TemporalMultiView', num_views=2, clip_len=4),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='TemporalMultiView', num_views=2, clip_len=4, test_mode=True),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
dataset = dict(
    type='VideoDataset', ann_file=ann_file, data_prefix=dict(video=data_root))
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
val_evaluator = dict(type='AccMetric')
test_evaluator = [
    val_evaluator,
    dict(type='EmbeddingRetrievalMetric'),
    dict(type='KNNAccuracyMetric')
]

optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0))
train_cfg = dict(max_epochs=4, val_interval=4)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=4, by_epoch=True)]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2, save_best=None, max_keep_ckpts=-1))
randomness = dict(seed=0)
