# HMDB51 split 1 for SCFA, read from the frame cache instead of the videos:
# the same samples, views and augmentation as hmdb51_scfa.py, ~20x cheaper
# to load (docs/performance.md). Swap this file for hmdb51_scfa.py in a
# config's _base_ to use it. The cache holds 64x64 frames, what the
# training pipeline resizes to; the test pipeline's 56x56 resize then starts
# from them rather than from the full frames.
_base_ = './hmdb51_scfa.py'

cache_root = 'data/hmdb51/frame_cache'
data_preparation = (
    'for split in train val; do python tools/data/build_frame_cache.py '
    'data/hmdb51/hmdb51_${split}_split_1_videos.txt --data-prefix '
    'data/hmdb51/videos --out data/hmdb51/frame_cache; done')

# The video pipelines with FramePackInit in place of VideoInit.
train_pipeline = [dict(type='FramePackInit'), *_base_.train_pipeline[1:]]
val_pipeline = [dict(type='FramePackInit'), *_base_.val_pipeline[1:]]
test_pipeline = val_pipeline

train_dataloader = dict(
    dataset=dict(
        ann_file=f'{cache_root}/hmdb51_train_split_1_videos.txt',
        data_prefix=dict(video=cache_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file=f'{cache_root}/hmdb51_val_split_1_videos.txt',
        data_prefix=dict(video=cache_root),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
