# Kinetics-400 for CVRL read from a frame cache instead of the videos: the
# same clip pairs, augmentation and probe as kinetics400_cvrl.py. The cache
# stores every frame at 340x256 (MMAction2's Kinetics frames; the
# pipeline's short side of 256 then changes nothing) with 4:2:0 JPEG
# chroma, as the videos' own (decodes 25% faster than 4:4:4). Swap this
# file for kinetics400_cvrl.py in a config's _base_ to use it. (ours)
_base_ = './kinetics400_cvrl.py'

cache_root = 'data/kinetics400/frame_cache_cvrl_340x256'
data_preparation = (
    'for split in train val; do python tools/data/build_frame_cache.py '
    'data/kinetics400/kinetics400_${split}_list_videos.txt --data-prefix '
    'data/kinetics400/videos_${split} --size 340 256 --subsampling 420 '
    '--out data/kinetics400/frame_cache_cvrl_340x256; done')

# The video pipelines with FramePackInit in place of VideoInit.
train_pipeline = [dict(type='FramePackInit'), *_base_.train_pipeline[1:]]
cpu_train_pipeline = [
    dict(type='FramePackInit'), *_base_.cpu_train_pipeline[1:]
]
val_pipeline = [dict(type='FramePackInit'), *_base_.val_pipeline[1:]]
test_pipeline = val_pipeline

packs = dict(type='VideoDataset', data_prefix=dict(video=cache_root))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{cache_root}/kinetics400_train_list_videos.txt',
        pipeline=train_pipeline,
        **packs))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{cache_root}/kinetics400_val_list_videos.txt',
        pipeline=val_pipeline,
        test_mode=True,
        **packs))
test_dataloader = val_dataloader
