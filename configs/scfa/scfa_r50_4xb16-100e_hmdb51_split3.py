# scfa_r50_4xb16-100e_hmdb51.py on HMDB51 split 3: the same model, schedule
# and pipelines, the split's lists. The paper reports HMDB51 as the mean
# over the three splits; train and test all three, and print the mean and
# the spread, with
#   python tools/train_test_splits.py --gpus 4
_base_ = './scfa_r50_4xb16-100e_hmdb51.py'

split = 3
train_dataloader = dict(
    dataset=dict(
        ann_file=f'data/hmdb51/hmdb51_train_split_{split}_videos.txt'))
val_dataloader = dict(
    dataset=dict(ann_file=f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'))
test_dataloader = val_dataloader
