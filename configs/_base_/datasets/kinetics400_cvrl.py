# Kinetics-400 in MMAction2's layout (data/kinetics400/videos_{train,val} and
# kinetics400_{train,val}_list_videos.txt), as CVRL pairs, following the
# official code (tensorflow/models official/projects/video_ssl,
# video_ssl_input.py and ops/video_ssl_preprocess_ops.py: "release").
#
# Time: 2 clips of 16 frames at stride 2 whose start distance d has a
# density proportional to 1 - d / M, M the number of possible starts
# (CVRLSampleFrames, power 1), the two clips in random order; a video
# shorter than a clip loops. (paper, release)
# Space, each clip on its own, every frame of a clip alike:
#   random resized crop, area 0.3-1, aspect 0.5-2, to 224x224 (release;
#     the release draws with tf.image.sample_distorted_bounding_box, 100
#     tries; MMAction2's RandomResizedCrop 10 tries, then a centre crop,
#     and a log-uniform aspect: ours);
#   horizontal flip, p 0.5 (release);
#   colour jitter p 0.8, strength 1 (brightness, contrast, saturation 0.8,
#     hue 0.2), the four ops in a random order, each clipped to the valid
#     range, contrast about the mean of the whole clip (release);
#   grayscale p 0.2, drawn whether or not the clip was jittered (release);
#   Gaussian blur, sigma 0.1-2, kernel a tenth of the height, zero
#     padding: ALWAYS on the first clip, p 0.1 on the second (release; the
#     paper text: p 0.5 on both, ClipGaussianBlur(p=0.5));
#   solarisation p 0.2 on the second clip only (release; not in the paper
#     text).
# The release decodes its stored frames and crops them; we first resize
# the short side to 256 (ours: the crop is relative, this only sets the
# interpolation).
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
]
# one probability per clip of the pair: the release's asymmetric views
asymmetric_augmentation = [
    dict(type='ClipGaussianBlur', p=(1.0, 0.1)),
    dict(type='ClipRandomSolarize', p=(0.0, 0.2)),
]
# The augmentation runs on the training device: the workers decode, resize
# and draw the random values of every clip (PerViewOnDevice), and the
# model's ClipAugmentDataPreprocessor crops, flips and distorts the whole
# batch at once (the config that uses this file sets it). The same draws
# and ops as cpu_train_pipeline below, which does it all in the workers
# (cvrl_r3d50_16xb64-200e_kinetics400_cpu-augment.py): 3-4x fewer worker
# cores per GPU (docs/performance.md). (ours)
train_pipeline = [
    dict(type='VideoInit'),
    dict(type='CVRLSampleFrames', num_views=2, power=1.0, **clip),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='PerViewOnDevice',
        transforms=per_clip_augmentation + asymmetric_augmentation),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('view_augment', ))
]
cpu_train_pipeline = [
    *train_pipeline[:4],
    dict(type='PerView', transforms=per_clip_augmentation),
    *asymmetric_augmentation,
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# Validation of the online probe: 2 evenly spaced clips, centre crop.
val_pipeline = [
    dict(type='VideoInit'),
    dict(type='CVRLSampleFrames', num_views=2, test_mode=True, **clip),
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
