# Penn Action for CARL: the 13 actions with per-frame phase labels (TCC /
# LAV), frames from the official release. Lists and label check by
#   python tools/data/penn_action/prepare.py --root
#       data/penn_action/Penn_Action --out data/penn_action
#       --frame-labels data/penn_action/frame_labels
# which writes penn_action_{train,test}_list_rawframes_phases.txt (videos of
# the labelled actions only; a missing label file or one whose length is
# not the video's frame count stops it, naming both).
#
# Training: two views of T = 80 frames from crops of [80, 120] frames that
# share at least 20% (alpha = 1.5, beta = 0.2), with SimCLR-style spatial
# augmentation drawn once per view (PerView): random resized crop to 224,
# flip, colour jitter (p 0.8), grayscale (p 0.2), blur (p 0.5). Test: every
# frame of the video, one video per batch (videos differ in length).
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
num_frames = 80

train_pipeline = [
    dict(
        type='CARLSampleFrames',
        num_frames=num_frames,
        max_crop_ratio=1.5,
        min_overlap=0.2),
    dict(type='RawFrameDecode'),
    dict(
        type='PerView',
        transforms=[
            dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
            dict(type='Resize', scale=(224, 224), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5),
            dict(type='ClipColorJitter', p=0.8),
            dict(type='ClipRandomGrayscale', p=0.2),
            dict(type='ClipGaussianBlur', p=0.5),
        ]),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(
        type='PackActionInputs',
        algorithm_keys=('frame_timestamps', 'frame_mask'))
]
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
# the paper's 4 videos per step: 4 GPUs x 1 video
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
# dumps the training split's embeddings. Every metric within each action,
# then averaged (the paper's protocol for Penn Action). The frame stride of
# 5 is ours (the paper does not give one).
test_evaluator = [
    dict(type='KendallsTauMetric', stride=5),
    dict(type='FrameRetrievalMetric', topk=(5, 10, 15), stride=5)
]
