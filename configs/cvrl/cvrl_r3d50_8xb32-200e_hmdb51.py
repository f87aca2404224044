# CVRL pre-training of an R3D-50 on HMDB51 split 1 (train list only, no
# labels used but by the online probe), 8 GPUs x 32 clip pairs = 256, the
# learning rate scaled linearly from the release's 0.32 at 1024 (ours: the
# paper pre-trains on Kinetics only). Everything else as the Kinetics-400
# config; its 5 warm-up epochs are 70 steps here (3,570 videos, 14 steps
# of 256 per epoch).
#   tools/dist_train.sh configs/cvrl/cvrl_r3d50_8xb32-200e_hmdb51.py 8 --amp
_base_ = './cvrl_r3d50_16xb64-200e_kinetics400.py'

model = dict(cls_head=dict(num_classes=51))
data_root = 'data/hmdb51/videos'
ann_file_train = 'data/hmdb51/hmdb51_train_split_1_videos.txt'
ann_file_val = 'data/hmdb51/hmdb51_val_split_1_videos.txt'
data_preparation = ('python tools/data/hmdb51/prepare.py --videos '
                    'data/hmdb51/videos --splits '
                    'data/hmdb51/testTrainMulti_7030_splits --out data/hmdb51')
train_dataloader = dict(
    batch_size=32,
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.32 * 256 / 1024))
