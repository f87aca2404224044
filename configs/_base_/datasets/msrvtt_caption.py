# MSR-VTT captioning (10,000 clips, 20 captions each; the official split:
# 6,513 train / 497 val / 2,990 test) as SCFA grids: one view of 16 frames
# per video, tiled 4x4 at 56x56 (224x224). tools/data/msrvtt/
# prepare_captions.py writes the caption lists from the official annotation
# files (docs/captioning.md).
dataset_type = 'VideoCaptionDataset'
data_root = 'data/msrvtt/videos'
ann_file_train = 'data/msrvtt/annotations/train.json'
ann_file_val = 'data/msrvtt/annotations/val.json'
ann_file_test = 'data/msrvtt/annotations/test.json'
data_preparation = (
    'python tools/data/msrvtt/prepare_captions.py --annotations '
    'data/msrvtt/train_val_videodatainfo.json '
    'data/msrvtt/test_videodatainfo.json --video-root data/msrvtt/videos '
    '--out data/msrvtt/annotations')

grid = dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56))
# the captions travel with the grid, for the loss and the metric
pack = dict(
    type='PackActionInputs',
    algorithm_keys=('gt_captions', ),
    meta_keys=('video_id', ))
train_pipeline = [
    dict(type='VideoInit'),
    # one grid per video, its 16 frames drawn from 16 equal segments
    dict(
        type='TemporalMultiView', num_views=1, clip_len=16,
        strategy='segment'),
    dict(type='DecordDecode'),
    # a light crop, one draw per video; no flip, which would swap "left"
    # and "right" in the captions
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='RandomCrop', size=56),
    grid,
    dict(type='FormatShape', input_format='NCHW'),
    pack,
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=1, clip_len=16, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    grid,
    dict(type='FormatShape', input_format='NCHW'),
    pack,
]
val_pipeline = test_pipeline


def caption_loader(ann_file: str, pipeline: list, train: bool) -> dict:
    """The loader of one caption list ('auto' workers: tools/train.py and
    tools/test.py divide the CPU cores among the GPUs). (A function: the
    config keeps only what it returns.)"""
    return dict(
        batch_size=16,
        num_workers='auto',
        persistent_workers=True,
        pin_memory=True,
        sampler=dict(type='DefaultSampler', shuffle=train),
        dataset=dict(
            type=dataset_type,
            ann_file=ann_file,
            data_prefix=dict(video=data_root),
            pipeline=pipeline,
            test_mode=not train))


train_dataloader = caption_loader(ann_file_train, train_pipeline, True)
val_dataloader = caption_loader(ann_file_val, val_pipeline, False)
test_dataloader = caption_loader(ann_file_test, test_pipeline, False)

# BLEU-4, ROUGE-L, CIDEr (and METEOR where a Java runtime is installed) of
# the generated captions against all references of each video
val_evaluator = dict(type='VideoCaptionMetric')
test_evaluator = val_evaluator
