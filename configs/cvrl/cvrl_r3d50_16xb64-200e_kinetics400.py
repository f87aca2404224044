# CVRL pre-training of an R3D-50 on Kinetics-400, self-supervised (paper,
# Kinetics-400: 66.1% linear top-1 after 800 epochs; this is the 200-epoch
# schedule of the official configs). 16 GPUs x 64 clip pairs = 1024:
#   tools/dist_train.sh configs/cvrl/cvrl_r3d50_16xb64-200e_kinetics400.py 8 \
#       --amp    # on each of 2 nodes: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=...
# Linear evaluation: configs/cvrl/benchmarks/.
_base_ = [
    '../_base_/models/cvrl_r3d50.py', '../_base_/datasets/kinetics400_cvrl.py',
    '../_base_/schedules/lars_cosine_200e.py', '../_base_/default_runtime.py'
]

# mmpretrain registers the LARS optimiser of the schedule.
custom_imports = dict(
    imports=['scfa_mm', 'mmpretrain.engine'], allow_failed_imports=False)
# Per-GPU BatchNorm would let the model tell the clips of its own GPU by
# their batch statistics (SimCLR, CVRL): synchronise it.
sync_bn = 'torch'
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
