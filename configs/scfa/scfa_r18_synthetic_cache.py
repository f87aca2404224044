# scfa_r18_synthetic.py reading the frame cache of the synthetic set: the
# same model, schedule and samples; only the loading differs. The cache
# holds every frame at 64x64 (the videos come in six sizes), so the 24x24
# grid cells are resized from those rather than from the full frames. Build
# the cache with data_preparation below.
_base_ = './scfa_r18_synthetic.py'

cache_root = 'data/synthetic/frame_cache'
data_preparation = (
    'for split in train val test; do python tools/data/build_frame_cache.py '
    'data/synthetic/${split}.txt --data-prefix data/synthetic/videos '
    '--out data/synthetic/frame_cache; done')


def _cached(split, pipeline):
    # the video pipeline with FramePackInit in place of VideoInit
    return dict(
        dataset=dict(
            ann_file=f'{cache_root}/{split}.txt',
            data_prefix=dict(video=cache_root),
            pipeline=[dict(type='FramePackInit'), *pipeline[1:]]))


train_dataloader = _cached('train', _base_.train_pipeline)
val_dataloader = _cached('val', _base_.val_pipeline)
test_dataloader = _cached('test', _base_.test_pipeline)
