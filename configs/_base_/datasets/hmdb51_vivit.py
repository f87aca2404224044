# HMDB51 split 1 for ViViT: the splits, temporal sampling and evaluation of
# the SCFA configs (one 'segment' view over the whole video in training;
# 2 deterministic views averaged at test), with ViViT's input: 32 frames at
# 224x224 per view instead of a 4x4 grid of 56x56.
_base_ = './hmdb51_scfa.py'

train_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView', num_views=1, clip_len=32,
        strategy='segment'),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='RandomCrop', size=224),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='VideoInit'),
    dict(type='TemporalMultiView', num_views=2, clip_len=32, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = val_pipeline
# ViViT is trained with cross-entropy: per-GPU batches (batch_size in the
# experiment config), not the SCFA base's global contrastive batch.
train_dataloader = dict(
    batch_sampler=None, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# Top-1 as for SCFA; ViViT makes no embeddings for the retrieval metrics.
test_evaluator = [dict(type='AccMetric')]
