# SCFA, supervised, on HMDB51 split 1 (paper: 48% top-1; ViViT 37%). The
# batch of 64 videos is global (GlobalBatchSampler): 4 GPUs x 16 here, the
# same method on 1, 2, 8, ... GPUs.
#   tools/dist_train.sh configs/scfa/scfa_r50_4xb16-100e_hmdb51.py 4
#   python tools/test.py configs/scfa/scfa_r50_4xb16-100e_hmdb51.py \
#       work_dirs/scfa_r50_4xb16-100e_hmdb51/best_acc_top1_epoch_N.pth
_base_ = [
    '../_base_/models/scfa_r50.py', '../_base_/datasets/hmdb51_scfa.py',
    '../_base_/schedules/adam_cosine_100e.py', '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=51))

# Evaluation (top-1, retrieval, k-NN) comes with the dataset config.
