# scfa_r50_4xb16-100e_penn-action.py reading the Penn Action frame cache
# (build it with the command in _base_/datasets/penn_action_scfa_cache.py):
# the same model, schedule and samples.
#   tools/dist_train.sh \
#       configs/scfa/scfa_r50_4xb16-100e_penn-action_cache.py 4
_base_ = [
    '../_base_/models/scfa_r50.py',
    '../_base_/datasets/penn_action_scfa_cache.py',
    '../_base_/schedules/adam_cosine_100e.py', '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=15, topk=(1, 5)))
