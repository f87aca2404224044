# HMDB51 split 1 in MMAction2's layout (data/hmdb51/videos/<class>/*.avi and
# hmdb51_{train,val}_split_1_videos.txt), turned into SCFA inputs: 2 views of
# 16 frames each (different temporal samplings), each tiled into a 4x4 grid
# of 56x56 frames (224x224). The views differ in time only; the spatial crop
# and flip are shared by all frames of a video, and come before tiling so a
# flip does not reorder the grid.
# Where a value comes from: (paper) the SCFA paper's text (no code was
# released), (ours) our choice where the paper is silent;
# docs/reproduction.md lists them.
dataset_type = 'VideoDataset'
data_root = 'data/hmdb51/videos'
ann_file_train = 'data/hmdb51/hmdb51_train_split_1_videos.txt'
ann_file_val = 'data/hmdb51/hmdb51_val_split_1_videos.txt'
# Class names, one per line in label order (the data preparation writes
# them); training checkpoints store them as meta['dataset_meta']['classes'].
class_names = 'data/hmdb51/classnames.txt'
# Shown when the paths above are missing (docs/data_preparation.md).
data_preparation = ('python tools/data/hmdb51/prepare.py --videos '
                    'data/hmdb51/videos --splits '
                    'data/hmdb51/testTrainMulti_7030_splits --out data/hmdb51')

# (paper) "dual-input": 2 views; 16 frames of 56x56 in a 4x4 grid
num_views = 2
clip_len = 16
grid = dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56))

train_pipeline = [
    # (ours) the decoder: VideoInit's 'auto' takes PyAV where installed
    # (same frames as decord, 0.81-0.88 of its time per sample on H.264,
    # 0.43-0.67 on HMDB51's MPEG-4 AVI; docs/performance.md); set
    # backend='decord' (or 'opencv', 'torchcodec') to choose another
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView',
        num_views=num_views,
        clip_len=clip_len,
        strategy='segment'),
    dict(type='DecordDecode'),
    # (ours) the paper's views are temporal; a light crop and flip, one
    # draw per video
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='RandomCrop', size=56),
    dict(type='Flip', flip_ratio=0.5),
    grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# Evaluation: the same number of views, deterministic (segment centres
# shifted per view); class scores are averaged over the views. The paper
# does not say how many views it tests with; more views cost more compute
# per video and were not needed for the reported setting.
val_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView',
        num_views=num_views,
        clip_len=clip_len,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False), grid,
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline

# Data loading: 'auto' workers = the node's CPU cores divided among its GPUs
# (less one for the training process), resolved by tools/train.py and
# tools/test.py (docs/performance.md: a decoding worker feeds ~11 videos/s,
# a frame-cache worker ~300). Pinned memory for asynchronous copies to the
# GPU.
train_dataloader = dict(
    # The paper's batch of 64 videos, all in one contrastive loss (the loss
    # gathers every GPU's views): batch_size counts videos over all
    # processes, and GlobalBatchSampler gives each of N processes 64 / N
    # (an error lists the allowed N when 64 is not divisible by it).
    batch_size=64,
    batch_sampler=dict(type='GlobalBatchSampler'),
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
    batch_size=16,
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
# HMDB51 has no separate validation set: validate and test on split 1's test
# list.
test_dataloader = val_dataloader

val_evaluator = dict(type='AccMetric')
# Top-1 of the classifier, plus retrieval (Recall@1/5/10, mAP) and k-NN
# accuracy on the video embeddings, each test video querying the others
# (docs/data_preparation.md shows how to query the training split instead).
test_evaluator = [
    val_evaluator,
    dict(type='EmbeddingRetrievalMetric', topk=(1, 5, 10)),
    dict(type='KNNAccuracyMetric', k=5)
]
