# Fine-tuning a CVRL R3D-50 pre-trained on Kinetics-400 on HMDB51 split 1,
# with the recipe, clips and test views of r3d50_ft-8xb8-50e_ucf101.py
# (where each value comes from is said there); only the data and the
# number of classes differ. Paper: 66.7% (R3D-50, Kinetics-400
# pre-training; the mean over the 3 splits: r3d50_ft-8xb8-50e_hmdb51_split2.py
# and _split3.py, all three with tools/train_test_splits.py).
#   tools/dist_train.sh configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_hmdb51.py \
#       8 --cfg-options model.backbone.pretrained=BACKBONE_FILE
_base_ = ['./r3d50_ft-8xb8-50e_ucf101.py']

data_root = 'data/hmdb51/videos'
ann_file_train = 'data/hmdb51/hmdb51_train_split_1_videos.txt'
ann_file_val = 'data/hmdb51/hmdb51_val_split_1_videos.txt'
# Shown when the paths above are missing (docs/data_preparation.md).
data_preparation = ('python tools/data/hmdb51/prepare.py --videos '
                    'data/hmdb51/videos --splits '
                    'data/hmdb51/testTrainMulti_7030_splits --out data/hmdb51')

model = dict(cls_head=dict(num_classes=51))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
