# Linear evaluation (the SupCon paper's second stage) of a trained SCFA
# encoder on HMDB51 split 1: the ResNet-50 is loaded from an SCFA checkpoint
# and frozen (weights and batch-norm statistics); only a linear classifier
# on its 2048-d pooled features is trained, with cross-entropy. The data
# and the global batch of 64 are those of ../scfa_r50_4xb16-100e_hmdb51.py.
# The checkpoint below is the default (the work directory of
# configs/scfa_hmdb51.py, which users were given); another one is given with
#   python tools/train.py \
#       configs/scfa/benchmarks/r50_linear-4xb16-30e_hmdb51.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=CHECKPOINT
# (CHECKPOINT: e.g. work_dirs/scfa_r50_4xb16-100e_hmdb51/epoch_100.pth)
_base_ = '../scfa_r50_4xb16-100e_hmdb51.py'

model = dict(
    backbone=dict(
        pretrained=None,
        frozen_stages=4,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/scfa_hmdb51/epoch_100.pth',
            prefix='backbone.')),
    # no projection, no contrastive loss; the classifier sees detached
    # features (joint_ce_weight=0), so nothing else learns
    neck=None,
    head=None,
    joint_ce_weight=0.0)
# Without a projection there are no embeddings to retrieve with.
test_evaluator = [dict(type='AccMetric')]

# A linear classifier on fixed features: Adam at 1e-3 with cosine decay
# over 30 epochs converges (our choice; the paper trains no second stage).
max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
