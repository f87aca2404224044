# CVRL pre-training of an R3D-50 on Kinetics-400, self-supervised, as the
# official code (tensorflow/models official/projects/video_ssl, "release")
# trains it: its README reports 63.8% Kinetics-400 linear top-1 after 200
# epochs on Kinetics-400 (this config), 66.1% after 800 (the paper's
# number: cvrl_r3d50_16xb64-800e_kinetics400.py). 16 GPUs x 64 clip pairs =
# the release's 1024:
#   tools/dist_train.sh configs/cvrl/cvrl_r3d50_16xb64-200e_kinetics400.py 8 \
#       --amp    # on each of 2 nodes: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=...
# Linear evaluation: configs/cvrl/benchmarks/.
#
# Settings and where they come from: the model, data and schedule _base_
# files. In steps: the release's Kinetics-400 has 215,570 training videos
# (210.5 steps of 1024 per epoch: 5 warm-up epochs = 1053 steps); the
# warm-up and cosine follow the epochs of whatever list is used.
_base_ = [
    '../_base_/models/cvrl_r3d50.py', '../_base_/datasets/kinetics400_cvrl.py',
    '../_base_/schedules/sgd_warmup_cosine_200e.py',
    '../_base_/default_runtime.py'
]

# Per-GPU BatchNorm would let the model tell the clips of its own GPU by
# their batch statistics (SimCLR, CVRL): synchronise it, in the backbone
# and the projection head (release: use_sync_bn in both).
sync_bn = 'torch'
# The dataset's per-clip augmentation, drawn in the data workers, done on
# the GPU (PerViewOnDevice in the train pipeline); test batches are only
# normalised. cvrl_r3d50_16xb64-200e_kinetics400_cpu-augment.py does it in
# the workers instead. (ours)
model = dict(data_preprocessor=dict(type='ClipAugmentDataPreprocessor'))
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
