# UCF101 split 1 in MMAction2's layout (data/ucf101/videos/<Class>/*.avi and
# ucf101_{train,val}_split_1_videos.txt, written by
# tools/data/ucf101/prepare.py), as clips for supervised fine-tuning of a 3D
# CNN: one clip of 32 frames at stride 2 per training video, random resized
# crop (area 0.49-1, aspect 0.5-2) to 224 and flip (the release's video
# classification input: tensorflow/models official/vision, DataConfig
# defaults and its video_classification_ucf101 experiment); test on 10
# clips x 3 crops of 256 after resizing the short side to 256 (the
# release's CVRL evaluation views). Splits 2 and 3: the _split2 / _split3
# configs of configs/cvrl/benchmarks/.
dataset_type = 'VideoDataset'
data_root = 'data/ucf101/videos'
ann_file_train = 'data/ucf101/ucf101_train_split_1_videos.txt'
ann_file_val = 'data/ucf101/ucf101_val_split_1_videos.txt'
# Class names, one per line in label order (the data preparation writes
# them); training checkpoints store them as meta['dataset_meta']['classes'].
class_names = 'data/ucf101/classnames.txt'
# Shown when the paths above are missing (docs/data_preparation.md).
data_preparation = ('python tools/data/ucf101/prepare.py --videos '
                    'data/ucf101/videos --splits data/ucf101/ucfTrainTestlist '
                    '--out data/ucf101')

clip = dict(clip_len=32, frame_interval=2)
train_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', num_clips=1, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='RandomResizedCrop',
        area_range=(0.49, 1.0),
        aspect_ratio_range=(0.5, 2.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# Validation while training: one centre clip, centre crop (cheap).
val_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', num_clips=1, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', num_clips=10, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=8,
    num_workers='auto',
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        metainfo=dict(classes=class_names),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers='auto',
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        metainfo=dict(classes=class_names),
        pipeline=val_pipeline,
        test_mode=True))
# UCF101 has no separate validation set: validate and test on the split's
# test list (30 views per video at test).
test_dataloader = dict(
    batch_size=1,
    num_workers='auto',
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        metainfo=dict(classes=class_names),
        pipeline=test_pipeline,
        test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
