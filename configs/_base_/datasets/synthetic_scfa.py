# The synthetic set (synthetic.py) as SCFA inputs: the sampling of the real
# sets (2 views of 16 frames, 4x4 grid), with 24x24 cells (96x96 grids) to
# fit a CPU budget. No flip: a mirrored video of "move right" is "move
# left".
_base_ = './synthetic.py'

dataset_type = 'VideoDataset'
grid = dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(24, 24))

train_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView', num_views=2, clip_len=16,
        strategy='segment'),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=2, clip_len=16, test_mode=True),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = test_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
