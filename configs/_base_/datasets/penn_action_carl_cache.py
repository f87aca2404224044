# Penn Action for CARL, read from a frame cache of its frame folders
# instead of the JPEG files: the same views, augmentation and labels as
# penn_action_carl.py. The cache stores frames at 224x224, aspect ratio not
# kept, bilinear, as the authors' preparation stores them (the pipeline's
# resize to 224x224 then changes nothing), with 4:2:0 JPEG chroma as the
# source JPEGs' (decodes 25% faster than 4:4:4). Swap this file for
# penn_action_carl.py in a config's _base_ to use it.
_base_ = './penn_action_carl.py'

cache_root = 'data/penn_action/frame_cache_carl_224'
data_preparation = (
    'for split in train test; do python tools/data/build_frame_cache.py '
    'data/penn_action/penn_action_${split}_list_rawframes_phases.txt '
    "--rawframes --filename-tmpl '{:06}.jpg' --start-index 1 --size 224 224 "
    '--subsampling 420 --data-prefix data/penn_action/Penn_Action/frames '
    '--out data/penn_action/frame_cache_carl_224; done')

# The frame-folder pipelines with FramePackInit and DecordDecode in place of
# RawFrameDecode (phase labels are found by the pack's name, the video id).
train_pipeline = [
    dict(type='FramePackInit'), _base_.train_pipeline[0],
    dict(type='DecordDecode'), *_base_.train_pipeline[2:]
]
cpu_train_pipeline = [
    dict(type='FramePackInit'), _base_.cpu_train_pipeline[0],
    dict(type='DecordDecode'), *_base_.cpu_train_pipeline[2:]
]
test_pipeline = [
    dict(type='FramePackInit'), _base_.test_pipeline[0],
    dict(type='DecordDecode'), *_base_.test_pipeline[2:]
]

packs = dict(type='VideoDataset', data_prefix=dict(video=cache_root))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{cache_root}/penn_action_train_list_rawframes_phases.txt',
        pipeline=train_pipeline,
        **packs))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{cache_root}/penn_action_test_list_rawframes_phases.txt',
        pipeline=test_pipeline,
        test_mode=True,
        **packs))
