# ViViT baseline for the synthetic comparison, with the budget of
# ../scfa/scfa_r18_synthetic.py (whose data, schedule, runtime and
# evaluation it inherits): the same 32 frames per video at the same 24x24
# pixels per frame, the same epochs, optimiser and schedule. ViViT-tiny
# (192-d, 4 spatial + 2 temporal layers, 3 heads), Model 2 (factorised
# encoder), tubelets of 2x8x8 (16 temporal indices x 9 patches), random
# initialisation (as SCFA's ResNet-18 here).
#   python tools/train.py configs/vivit/vivit_tiny-fe_synthetic.py
_base_ = ['../scfa/scfa_r18_synthetic.py']

model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(
        type='ViViT',
        arch='tiny',
        model_type='factorised_encoder',
        num_frames=32,
        img_size=24,
        tubelet_size=(2, 8, 8)),
    cls_head=dict(
        type='ViViTHead',
        num_classes=8,
        in_channels=192,
        average_clips='prob',
        topk=(1, )),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        format_shape='NCTHW'))

train_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView', num_views=1, clip_len=32,
        strategy='segment'),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(24, 24), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=1, clip_len=32, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(24, 24), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
