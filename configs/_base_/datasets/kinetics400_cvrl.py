# Kinetics-400 in MMAction2's layout (data/kinetics400/videos_{train,val} and
# kinetics400_{train,val}_list_videos.txt), as CVRL pairs: 2 clips of 16
# frames at stride 2 whose start distance favours near clips
# (CVRLSampleFrames, linear law), each augmented on its own (PerView):
# random resized crop (area 0.3-1, aspect 0.5-2, as the official code),
# flip, colour jitter (strength 1, p 0.8, random order), grayscale (p 0.2),
# Gaussian blur (p 0.5, sigma 0.1-2, kernel a tenth of the height), 224x224.
dataset_type = 'VideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
data_preparation = 'see tools/data/kinetics in MMAction2 (the same layout)'

clip = dict(clip_len=16, frame_interval=2)
per_clip_augmentation = [
    dict(
        type='RandomResizedCrop',
        area_range=(0.3, 1.0),
        aspect_ratio_range=(0.5, 2.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ClipColorJitter', p=0.8),
    dict(type='ClipRandomGrayscale', p=0.2),
    dict(type='ClipGaussianBlur', p=0.5),
]
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='CVRLSampleFrames', num_clips=2, power=1.0, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='PerView', transforms=per_clip_augmentation),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# Validation of the online probe: 2 evenly spaced clips, centre crop.
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='CVRLSampleFrames', num_clips=2, test_mode=True, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline

train_dataloader = dict(
    # 64 videos per GPU x 16 GPUs = the official 1024
    batch_size=64,
    num_workers='auto',
    persistent_workers=True,
    pin_memory=True,
    # equal batches on every rank: the loss gathers them
    sampler=dict(type='DefaultSampler', shuffle=True, round_up=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers='auto',
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root_val),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = [
    val_evaluator,
    dict(type='KNNAccuracyMetric', k=20),
]
