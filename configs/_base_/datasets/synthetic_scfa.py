# The synthetic temporal-action set of tools/data/make_synthetic.py:
# data/synthetic/videos/<class>/*.mp4 with train/val/test lists. Same SCFA
# sampling as the real sets (2 views of 16 frames, 4x4 grid), with 24x24
# cells (96x96 grids) to fit a CPU budget. No flip: a mirrored video of
# "move right" is "move left".
dataset_type = 'VideoDataset'
data_root = 'data/synthetic'
data_preparation = 'python tools/data/make_synthetic.py --out data/synthetic'
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


def _split(ann_file, pipeline, test_mode):
    return dict(
        batch_size=16,
        num_workers=2,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=not test_mode),
        dataset=dict(
            type=dataset_type,
            ann_file=f'{data_root}/{ann_file}',
            data_prefix=dict(video=f'{data_root}/videos'),
            pipeline=pipeline,
            test_mode=test_mode))


train_dataloader = _split('train.txt', train_pipeline, False)
val_dataloader = _split('val.txt', val_pipeline, True)
test_dataloader = _split('test.txt', test_pipeline, True)
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
