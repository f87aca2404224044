# SCFA, supervised, on Penn Action (paper: 76% top-1; ViViT 43%).
#   tools/dist_train.sh configs/scfa/scfa_r50_4xb16-100e_penn-action.py 4
_base_ = [
    '../_base_/models/scfa_r50.py', '../_base_/datasets/penn_action_scfa.py',
    '../_base_/schedules/adam_cosine_100e.py', '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=15, topk=(1, 5)))

# Evaluation (top-1, retrieval, k-NN) comes with the dataset config.
