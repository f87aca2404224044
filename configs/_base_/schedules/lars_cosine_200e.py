# The paper's optimiser variant of CVRL's schedule: LARS (mmpretrain's)
# instead of the release's SGD, everything else as
# sgd_warmup_cosine_200e.py (lr 0.32 at 1024, 5 warm-up epochs of 200,
# cosine, weight decay 1e-6). To use it, put it in place of the SGD
# schedule in the experiment's _base_ and add 'mmpretrain.engine' to its
# custom_imports (registers the optimiser).
#
# BatchNorm and biases are exempt from weight decay and from LARS's
# layer adaptation. mmpretrain's custom_keys match substrings of parameter
# names: 'bn' catches the backbone's BatchNorms (backbone...conv1.bn.weight)
# but not the projection head's, which are positions 1, 4 and 7 of
# ProjectionNeck's mlp (Linear, BatchNorm1d, ReLU, ... with num_layers=4):
# they are named here. A matching custom key overrides norm_decay_mult.
_base_ = './sgd_warmup_cosine_200e.py'

optim_wrapper = dict(
    optimizer=dict(
        _delete_=True,
        type='mmpretrain.LARS',
        lr=0.32,
        momentum=0.9,
        weight_decay=1e-6),
    paramwise_cfg=dict(
        custom_keys={
            'bn': dict(decay_mult=0.0, lars_exclude=True),
            'bias': dict(decay_mult=0.0, lars_exclude=True),
            'neck.mlp.1.': dict(decay_mult=0.0, lars_exclude=True),
            'neck.mlp.4.': dict(decay_mult=0.0, lars_exclude=True),
            'neck.mlp.7.': dict(decay_mult=0.0, lars_exclude=True),
        }))
