# ViViT-B (Model 2, factorised encoder) on HMDB51 split 1, the baseline of
# ../scfa/scfa_r50_4xb16-100e_hmdb51.py (paper: ViViT 37% top-1, SCFA 48%).
# 32x224x224 clips.
#   tools/dist_train.sh configs/vivit/vivit_b-fe_8xb8-30e_hmdb51.py 8
_base_ = [
    '../_base_/models/vivit_b_fe.py', '../_base_/datasets/hmdb51_vivit.py',
    '../_base_/schedules/vivit_sgd_cosine_30e.py',
    '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=51))
# 8 clips per GPU x 8 GPUs = 64; ViViT-B at 32 frames needs the memory.
train_dataloader = dict(batch_size=8)
val_dataloader = dict(batch_size=4)
test_dataloader = dict(batch_size=4)
