# default_runtime.py for the 20-epoch CPU runs on the synthetic set: a
# checkpoint at epochs 10 and 20, only the last kept, none chosen by score.
_base_ = './default_runtime.py'

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_best=None))
