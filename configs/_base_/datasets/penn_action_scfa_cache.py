# Penn Action for SCFA, read from the frame cache of its frame folders
# instead of the JPEG files: the same samples, views and augmentation as
# penn_action_scfa.py. Swap this file for penn_action_scfa.py in a config's
# _base_ to use it.
_base_ = './penn_action_scfa.py'

cache_root = 'data/penn_action/frame_cache'
data_preparation = (
    'for split in train test; do python tools/data/build_frame_cache.py '
    'data/penn_action/penn_action_${split}_list_rawframes.txt --rawframes '
    "--filename-tmpl '{:06}.jpg' --start-index 1 --data-prefix "
    'data/penn_action/Penn_Action/frames --out data/penn_action/frame_cache; '
    'done')

# The frame-folder pipelines with FramePackInit and DecordDecode in place of
# RawFrameDecode.
train_pipeline = [
    dict(type='FramePackInit'), _base_.train_pipeline[0],
    dict(type='DecordDecode'), *_base_.train_pipeline[2:]
]
val_pipeline = [
    dict(type='FramePackInit'), _base_.val_pipeline[0],
    dict(type='DecordDecode'), *_base_.val_pipeline[2:]
]
test_pipeline = val_pipeline

packs = dict(
    type='VideoDataset',
    data_prefix=dict(video=cache_root),
    metainfo=_base_.frame_dataset.metainfo)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{cache_root}/penn_action_train_list_rawframes.txt',
        pipeline=train_pipeline,
        **packs))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{cache_root}/penn_action_test_list_rawframes.txt',
        pipeline=val_pipeline,
        test_mode=True,
        **packs))
test_dataloader = val_dataloader
