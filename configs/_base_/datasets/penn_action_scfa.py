# Penn Action (15 actions) from the official release extracted into
# data/penn_action/ (frames in Penn_Action/frames/<id>/000001.jpg ...), with
# the RawframeDataset lists (<id> <num frames> <label>) that
# tools/data/penn_action/prepare.py writes. Same SCFA sampling and tiling as
# for HMDB51: 2 views of 16 frames, 4x4 grids of 56x56.
_base_ = './hmdb51_scfa.py'

dataset_type = 'RawframeDataset'
data_root = 'data/penn_action/Penn_Action/frames'
ann_file_train = 'data/penn_action/penn_action_train_list_rawframes.txt'
ann_file_test = 'data/penn_action/penn_action_test_list_rawframes.txt'
data_preparation = ('python tools/data/penn_action/prepare.py --root '
                    'data/penn_action/Penn_Action --out data/penn_action')

grid = dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56))
train_pipeline = [
    dict(
        type='TemporalMultiView', num_views=2, clip_len=16,
        strategy='segment'),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='RandomCrop', size=56),
    dict(type='Flip', flip_ratio=0.5), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='TemporalMultiView', num_views=2, clip_len=16, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline

frame_dataset = dict(
    type=dataset_type,
    data_prefix=dict(img=data_root),
    filename_tmpl='{:06}.jpg',
    start_index=1)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_train,
        pipeline=train_pipeline,
        **frame_dataset))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_test,
        pipeline=val_pipeline,
        test_mode=True,
        **frame_dataset))
test_dataloader = val_dataloader
