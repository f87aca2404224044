# SCFA on the synthetic temporal-action set, sized for 2 CPU cores
# (bash tools/demo.sh). Same method as the paper's setup: 2 temporal views
# of 16 frames in a 4x4 grid, shared ResNet encoder, 128-d projection,
# supervised contrastive loss at t = 0.07, online linear probe. Changed to
# fit the CPU: ResNet-18 from random weights (no download, and ImageNet
# features do not help with these shapes), 24x24 cells (96x96 grids), a
# 512-d projection hidden layer, Adam at 3e-4 (1e-3 left the contrastive
# loss at chance from random weights), 20 epochs. The set, its classes and
# evaluation (top-1, reversal accuracy), the schedule and the runtime are
# the _base_ pieces shared with the other synthetic configs.
#   python tools/train.py configs/scfa/scfa_r18_synthetic.py
_base_ = [
    '../_base_/models/scfa_r50.py', '../_base_/datasets/synthetic_scfa.py',
    '../_base_/schedules/adam_cosine_20e_synthetic.py',
    '../_base_/synthetic_runtime.py'
]

model = dict(
    backbone=dict(depth=18, pretrained=None),
    neck=dict(in_channels=512, hidden_channels=512),
    cls_head=dict(num_classes=8, in_channels=512, topk=(1, )))

randomness = dict(seed=0)
