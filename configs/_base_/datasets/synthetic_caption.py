# The synthetic temporal-action set (synthetic.py) for captioning:
# tools/data/make_synthetic.py writes 5 captions per video to
# data/synthetic/captions/{train,val,test}.json, each naming the object
# (colour, texture, shape) and its motion ("a red circle moves to the
# left"), so that a caption is only right if the model reads the frame
# order. Each video is one grid of its 16 frames (one from each of 16
# equal segments), 4x4 cells of 32x32 (128x128).
_base_ = './synthetic.py'

dataset_type = 'VideoCaptionDataset'
# (under synthetic.py's data_root)
caption_dir = 'data/synthetic/captions'
grid = dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(32, 32))
pack = dict(
    type='PackActionInputs',
    algorithm_keys=('gt_captions', ),
    meta_keys=('video_id', ))
# No flip and no crop: a mirrored "moves right" is "moves left"
train_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView', num_views=1, clip_len=16,
        strategy='segment'),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'), pack
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=1, clip_len=16, test_mode=True),
    dict(type='DecordDecode'), grid,
    dict(type='FormatShape', input_format='NCHW'), pack
]
val_pipeline = test_pipeline

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=f'{caption_dir}/train.json',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=f'{caption_dir}/val.json',
        pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=f'{caption_dir}/test.json',
        pipeline=test_pipeline))

# The motion words of make_synthetic.py (MOTION_KEYWORDS): a caption has the
# right one when it names its class's and no other's. class_names gives the
# label order (a dumped config sorts the dict's keys).
motion_keywords = dict(
    move_right=['right'],
    move_left=['left'],
    move_down=['down'],
    move_up=['up'],
    grow=['grows', 'bigger', 'larger'],
    shrink=['shrinks', 'smaller'],
    appear=['appears', 'fades in'],
    disappear=['disappears', 'fades out'])
# BLEU-4, ROUGE-L, CIDEr and the share of captions with the right motion
# word; METEOR (a Java program taking ~20 s to start) at test only
val_evaluator = [
    dict(type='VideoCaptionMetric', meteor=False),
    dict(
        type='CaptionKeywordMetric',
        keywords=motion_keywords,
        class_names={{_base_.class_names}})
]
test_evaluator = [
    dict(type='VideoCaptionMetric'),
    dict(
        type='CaptionKeywordMetric',
        keywords=motion_keywords,
        class_names={{_base_.class_names}})
]
