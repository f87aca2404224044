# configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py reading the
# Penn Action frame cache (build it with the command in
# _base_/datasets/penn_action_carl_cache.py): the same model, schedule and
# samples.
_base_ = [
    '../_base_/models/carl_r50_transformer.py',
    '../_base_/datasets/penn_action_carl_cache.py',
    '../_base_/schedules/adam_cosine_300e_carl.py',
    '../_base_/default_runtime.py'
]

train_dataloader = dict(batch_size=1)
test_evaluator = [
    dict(type='KendallsTauMetric', stride=5),
    dict(type='FrameRetrievalMetric', topk=(5, 10, 15), stride=5)
]
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
auto_scale_lr = dict(enable=False, base_batch_size=4)
