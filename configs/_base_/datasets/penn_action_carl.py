# Penn Action for CARL: the 13 actions with per-frame phase labels (TCC /
# LAV), frames from the official release. Lists and label check by
#   python tools/data/penn_action/prepare.py --root
#       data/penn_action/Penn_Action --out data/penn_action
#       --frame-labels data/penn_action/frame_labels
# which writes penn_action_{train,test}_list_rawframes_phases.txt (videos of
# the labelled actions only; a missing label file or one whose length is
# not the video's frame count stops it, naming both).
#
# Where a value comes from: (paper) the paper's text, (release) the
# authors' code (datasets/penn_action.py, datasets/data_augment.py,
# evaluation/, configs/scl_transformer_action_config.yml over
# utils/config.py), (ours) our choice.
dataset_type = 'RawframeDataset'
data_root = 'data/penn_action/Penn_Action/frames'
ann_file_train = 'data/penn_action/penn_action_train_list_rawframes_phases.txt'
ann_file_test = 'data/penn_action/penn_action_test_list_rawframes_phases.txt'
phase_label_root = 'data/penn_action/frame_labels'
data_preparation = (
    'python tools/data/penn_action/prepare.py --root '
    'data/penn_action/Penn_Action --out data/penn_action --frame-labels '
    'data/penn_action/frame_labels')
# classnames.txt of prepare.py: the 15 actions, alphabetical = label order
class_names = [
    'baseball_pitch', 'baseball_swing', 'bench_press', 'bowl',
    'clean_and_jerk', 'golf_swing', 'jump_rope', 'jumping_jacks', 'pullup',
    'pushup', 'situp', 'squat', 'strum_guitar', 'tennis_forehand',
    'tennis_serve'
]
# (paper, release) T = 80 frames per view on Penn Action
num_frames = 80

# (release) create_ssl_data_augment: one draw per view for all of its
# frames, the same recipe for both views, in this order
per_view_augmentation = [
    # (release) random resized crop, area (0.8, 1), aspect ratio
    # (3/4, 4/3), back to 224x224 (bilinear); the paper: "random
    # image cropping" after SimCLR, no range given
    dict(
        type='RandomResizedCrop',
        area_range=(0.8, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    # (paper, release) horizontal flip, p 0.5
    dict(type='Flip', flip_ratio=0.5),
    # (release) colour jitter with p 0.8: brightness, contrast and
    # saturation 0.8, hue 0.2, in a random order; the blur only
    # inside it, with p 0.5 (so 0.4 in all). The release blurs after
    # each of its 4 colour ops with one radius r ~ U[0.1, 2] (PIL,
    # radius = sigma): 4 passes of sigma r make one of sigma 2r,
    # hence sigma in [0.2, 4] here, once, after the colour ops
    # (they commute with a blur up to rounding and clipping). Not
    # the same ops (ours follow CVRL's TensorFlow code): the
    # release's torchvision contrast pulls to the grey mean of each
    # frame (ours: of each channel over the clip), its saturation
    # blends with grey (ours: scales S in HSV), its blur extends the
    # edges with a full kernel (ours: zero padding, 23 px at 224,
    # which cuts sigma 4 at 2.75 sigma).
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[
            dict(
                type='ClipColorJitter',
                brightness=0.8,
                contrast=0.8,
                saturation=0.8,
                hue=0.2,
                p=1.0),
            dict(type='ClipGaussianBlur', p=0.5, sigma_range=(0.2, 4.0))
        ]),
    # (release) grayscale p 0.2, after the colour jitter
    dict(type='ClipRandomGrayscale', p=0.2),
]
# The augmentation runs on the training device: the workers decode, resize
# and draw the random values of every view (PerViewOnDevice), and the
# model's ClipAugmentDataPreprocessor crops, flips, distorts and blurs the
# 160 frames on the GPU (the config that uses this file sets it). The same
# draws and ops as cpu_train_pipeline below, which does it all in the
# workers (carl_r50-transformer_4xb1-300e_penn-action_cpu-augment.py).
# (ours)
train_pipeline = [
    dict(
        type='CARLSampleFrames',
        clip_len=num_frames,
        # (release) time_augment: each view draws min(S, T) positions of a
        # window of ceil(u S) positions, u ~ U[1, 1.5) (SAMPLING_REGION);
        # the window always starts at frame 0, so CONSISTENT_OFFSET 0.2
        # has no effect. crop_law='paper' gives the paper's overlapping
        # crops of [T, 1.5 T] frames sharing >= 20%.
        crop_law='release',
        max_crop_ratio=1.5,
        min_overlap=0.2),
    dict(type='RawFrameDecode'),
    # (release) the preparation (penn_action_to_tfrecords.py) stores every
    # frame resized to 224x224, aspect ratio not kept; all augmentation
    # works on those frames
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='PerViewOnDevice', transforms=per_view_augmentation),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(
        type='PackActionInputs',
        algorithm_keys=('frame_timestamps', 'frame_mask', 'view_augment'))
]
cpu_train_pipeline = [
    *train_pipeline[:3],
    dict(type='PerView', transforms=per_view_augmentation),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(
        type='PackActionInputs',
        algorithm_keys=('frame_timestamps', 'frame_mask'))
]
# (release) evaluation: every frame (SAMPLE_ALL_STRIDE 1), a centre crop of
# 224 of the 224x224 frames (the whole frame) and a resize to 224: the
# frames as stored; (paper) "we feed the whole video into the model at
# once, without any temporal down-sampling".
test_pipeline = [
    dict(type='CARLSampleFrames', test_mode=True),
    dict(type='RawFrameDecode'),
    dict(
        type='LoadFramePhaseLabels',
        label_root=phase_label_root,
        class_names=class_names),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(
        type='PackActionInputs',
        algorithm_keys=('frame_timestamps', 'frame_mask', 'frame_labels'))
]
frame_dataset = dict(
    type=dataset_type,
    data_prefix=dict(img=data_root),
    filename_tmpl='{:06}.jpg',
    start_index=1)
# (paper) 4 videos per step: 4 GPUs x 1 video; (release) TRAIN.BATCH_SIZE
# 1 per process, its README trains Penn Action on 1 GPU (1 video per step;
# the learning rate is not scaled)
train_dataloader = dict(
    batch_size=1,
    num_workers='auto',
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        ann_file=ann_file_train, pipeline=train_pipeline, **frame_dataset))
test_dataloader = dict(
    batch_size=1,
    num_workers='auto',
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        ann_file=ann_file_test,
        pipeline=test_pipeline,
        test_mode=True,
        **frame_dataset))
# Kendall's tau and retrieval need no training; phase classification and
# progression are added by tools/analysis/evaluate_frames.py, which first
# dumps the training split's embeddings. (paper, release) every metric
# within each action, then averaged over the 13 actions; (release)
# KENDALLS_TAU_STRIDE 2 for Penn Action (also the retrieval's stride),
# squared Euclidean distances, AP@5/10/15, frames labelled < 0 left out of
# every metric (evaluate.py), logistic regression with L-BFGS, C = 1,
# max_iter 100000 (the metrics' defaults).
test_evaluator = [
    dict(type='KendallsTauMetric', stride=2, drop_unlabelled_frames=True),
    dict(
        type='FrameRetrievalMetric',
        topk=(5, 10, 15),
        stride=2,
        drop_unlabelled_frames=True)
]
