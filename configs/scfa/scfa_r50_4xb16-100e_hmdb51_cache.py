# scfa_r50_4xb16-100e_hmdb51.py reading the HMDB51 frame cache (build it
# with the command in _base_/datasets/hmdb51_scfa_cache.py): the same model,
# schedule and samples; data loading ~20x cheaper per worker.
#   tools/dist_train.sh configs/scfa/scfa_r50_4xb16-100e_hmdb51_cache.py 4
_base_ = [
    '../_base_/models/scfa_r50.py', '../_base_/datasets/hmdb51_scfa_cache.py',
    '../_base_/schedules/adam_cosine_100e.py', '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=51))
