# ViViT-B (Model 2, factorised encoder) on Penn Action, the baseline of
# ../scfa/scfa_r50_4xb16-100e_penn-action.py (paper: ViViT 43% top-1, SCFA
# 76%). 32x224x224 clips.
#   tools/dist_train.sh configs/vivit/vivit_b-fe_8xb8-30e_penn-action.py 8
_base_ = [
    '../_base_/models/vivit_b_fe.py',
    '../_base_/datasets/penn_action_vivit.py',
    '../_base_/schedules/vivit_sgd_cosine_30e.py',
    '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=15))
# 8 clips per GPU x 8 GPUs = 64 (the schedule's batch).
train_dataloader = dict(batch_size=8)
val_dataloader = dict(batch_size=4)
test_dataloader = dict(batch_size=4)
