# The order-free control of grid-caption_r18_synthetic.py: the same
# ResNet-18 and decoder, the same 16 frames at the same 32x32 pixels, but
# each frame is encoded alone and the feature maps are averaged over time,
# as TSN does (frame_aggregation='mean'); the decoder reads one visual
# token. A video and its time reversal look the same to it, so it can name
# the object but must guess the direction of the motion.
#   python tools/train.py configs/caption/mean-caption_r18_synthetic.py
_base_ = ['./grid-caption_r18_synthetic.py']

model = dict(frame_aggregation='mean')

frames = [
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(
        type='PackActionInputs',
        algorithm_keys=('gt_captions', ),
        meta_keys=('video_id', ))
]
train_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView', num_views=1, clip_len=16,
        strategy='segment'), *frames
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=1, clip_len=16, test_mode=True),
    *frames
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
