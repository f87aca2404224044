# CARL sized for 2 CPU cores on the synthetic temporal-action set, whose
# videos carry per-frame phase labels (tools/data/make_synthetic.py writes
# them: first, middle and last third of each motion):
#   python tools/train.py configs/carl/carl_r18-small_synthetic.py
#   python tools/analysis/evaluate_frames.py \
#       configs/carl/carl_r18-small_synthetic.py \
#       work_dirs/carl_r18-small_synthetic/epoch_20.pth
# The method of the authors' release (views by its time_augment law with
# alpha = 1.5: each view takes min(S, T) random positions of a window of
# ceil(u S), u ~ U[1, 1.5), those past the video's end masked, so a view
# spans the whole video; per-view augmentation, frame-level Transformer
# encoder, sequence contrastive loss with tau = 0.1) scaled down: views of
# T = 16 frames (the videos have 10 to 240, median 50), sigma^2 = 2 (scaled
# with T, as 10 is for T = 80), 32x32 frames, an MMPretrain ResNet-18 with 16
# base channels trained from scratch (frozen random stages would learn
# nothing), an FC block of 128 (twice the Transformer's width, as the
# release's 512 for 256), a 2-layer Transformer 64 wide with 4 heads, 32-d
# frames; Adam
# 1e-3 (our choice for a small model from scratch), 20 epochs, 8 videos per
# batch. No flip: a mirrored "move right" is "move left".
# The set, its classes and the runtime are the _base_ pieces shared with
# the other synthetic configs; the schedule is CARL's own (no validation).
_base_ = [
    '../_base_/models/carl_r50_transformer.py',
    '../_base_/datasets/synthetic.py', '../_base_/synthetic_runtime.py'
]

num_frames = 16
model = dict(
    backbone=dict(
        image_backbone=dict(
            _delete_=True,
            type='mmpretrain.ResNet',
            depth=18,
            stem_channels=16,
            base_channels=16),
        in_channels=128,
        fc_channels=128,
        embed_channels=64,
        out_channels=32,
        num_layers=2,
        num_heads=4,
        ffn_channels=128,
        num_train_frames=num_frames),
    neck=dict(in_channels=32, hidden_channels=32, out_channels=32),
    head=dict(loss=dict(variance=2.0)))

train_pipeline = [
    dict(type='VideoInit'),
    # (release) time_augment; crop_law='paper' gives the paper text's
    # overlapping crops of [T, 1.5 T] frames (beta = min_overlap = 0.2),
    # which cover only 16-24 frames of a 240-frame video
    dict(
        type='CARLSampleFrames',
        clip_len=num_frames,
        max_crop_ratio=1.5,
        crop_law='release'),
    dict(type='DecordDecode'),
    dict(
        type='PerView',
        transforms=[
            dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
            dict(type='Resize', scale=(32, 32), keep_ratio=False),
            dict(type='ClipColorJitter', p=0.8),
            dict(type='ClipRandomGrayscale', p=0.2),
        ]),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(
        type='PackActionInputs',
        algorithm_keys=('frame_timestamps', 'frame_mask'))
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='CARLSampleFrames', test_mode=True),
    dict(type='DecordDecode'),
    dict(
        type='LoadFramePhaseLabels',
        label_root=f'{_base_.data_root}/frame_labels',
        class_names=_base_.class_names),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(
        type='PackActionInputs',
        algorithm_keys=('frame_timestamps', 'frame_mask', 'frame_labels'))
]

# 8 videos per training batch; one whole video per test batch
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_cfg = dict(type='TestLoop')
# The 8 actions have the same 3 phases, so they are pooled (per_action
# False) as for Pouring; frames are short, so every frame counts.
test_evaluator = [
    dict(type='KendallsTauMetric', stride=1, per_action=False),
    dict(
        type='FrameRetrievalMetric',
        topk=(5, 10, 15),
        stride=1,
        per_action=False)
]

max_epochs = 20
train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=max_epochs + 1)
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-5), clip_grad=None)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
randomness = dict(seed=0)
