# r3d50_ft-8xb8-50e_ucf101.py on UCF101 split 3: the same recipe, the
# split's lists. The paper's figure is the mean over the three splits:
#   python tools/train_test_splits.py --gpus 8 \
#       configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_ucf101.py \
#       configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_ucf101_split2.py \
#       configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_ucf101_split3.py \
#       --train-args --cfg-options model.backbone.pretrained=BACKBONE_FILE
_base_ = './r3d50_ft-8xb8-50e_ucf101.py'

split = 3
train_list = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
test_list = f'data/ucf101/ucf101_val_split_{split}_videos.txt'
train_dataloader = dict(dataset=dict(ann_file=train_list))
val_dataloader = dict(dataset=dict(ann_file=test_list))
test_dataloader = dict(dataset=dict(ann_file=test_list))
