# MSVD captioning (1,970 YouTube clips, about 40 English captions each; the
# standard split: 1,200 train / 100 val / 670 test) as SCFA grids, with the
# pipelines of msrvtt_caption.py. tools/data/msvd/prepare_captions.py writes
# the caption lists from the official annotation files (docs/captioning.md).
_base_ = './msrvtt_caption.py'

data_root = 'data/msvd/videos'
ann_file_train = 'data/msvd/annotations/train.json'
ann_file_val = 'data/msvd/annotations/val.json'
ann_file_test = 'data/msvd/annotations/test.json'
data_preparation = ('python tools/data/msvd/prepare_captions.py --annotations '
                    '"data/msvd/MSR Video Description Corpus.csv" '
                    '--mapping data/msvd/youtube_mapping.txt --video-root '
                    'data/msvd/videos --out data/msvd/annotations')

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(video=data_root)))
