# SCFA on the synthetic temporal-action set, sized for 2 CPU cores
# (bash tools/demo.sh). Same method as the paper's setup: 2 temporal views
# of 16 frames in a 4x4 grid, shared ResNet encoder, 128-d projection,
# supervised contrastive loss at t = 0.07, online linear probe. Changed to
# fit the CPU: ResNet-18 from random weights (no download, and ImageNet
# features do not help with these shapes), 24x24 cells (96x96 grids), a
# 512-d projection hidden layer, Adam at 3e-4 (1e-3 left the contrastive
# loss at chance from random weights), 20 epochs.
_base_ = [
    '_base_/models/scfa_r50.py', '_base_/datasets/synthetic_scfa.py',
    '_base_/schedules/adam_cosine_100e.py', '_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, pretrained=None),
    neck=dict(in_channels=512, hidden_channels=512),
    cls_head=dict(num_classes=8, in_channels=512, topk=(1, )))

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(lr=3e-4, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_best=None))
# Classes of make_synthetic.py, in label order; (2k, 2k+1) are time
# reversals of each other (data/synthetic/reversed_pairs.txt).
class_names = [
    'move_right', 'move_left', 'move_down', 'move_up', 'grow', 'shrink',
    'appear', 'disappear'
]
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy', ))
test_evaluator = [
    val_evaluator,
    dict(
        type='ReversedPairMetric',
        pairs=[(0, 1), (2, 3), (4, 5), (6, 7)],
        class_names=class_names)
]
randomness = dict(seed=0)
