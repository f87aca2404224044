# Baseline for the synthetic comparison: MMAction2's TSN (per-frame ResNet
# scores averaged over segments, blind to frame order by design) with the
# same budget as ../scfa/scfa_r18_synthetic.py (whose data, schedule,
# runtime and evaluation it inherits): ResNet-18 from random weights, the
# same 32 frames per video (2 views x 16) at the same 24x24 pixels per
# frame, the same optimiser, schedule and epochs.
#   python tools/train.py configs/tsn/tsn_r18_synthetic.py
_base_ = ['../scfa/scfa_r18_synthetic.py']

model = dict(
    _delete_=True,
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(
        type='TSNHead',
        num_classes=8,
        in_channels=512,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.4,
        init_std=0.01,
        average_clips='prob',
        topk=(1, )),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))

train_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=32),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(24, 24), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=32,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(24, 24), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
