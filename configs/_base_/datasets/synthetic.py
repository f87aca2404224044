# The synthetic temporal-action set of tools/data/make_synthetic.py, shared
# by every CPU-sized config (SCFA, CVRL, CARL, and the TSN and ViViT
# baselines): data/synthetic/videos/<class>/*.mp4 with train/val/test
# lists, its class names and its evaluation. The method's config adds the
# pipelines (train_dataloader = dict(dataset=dict(pipeline=...)), and so on).
data_root = 'data/synthetic'
data_preparation = 'python tools/data/make_synthetic.py --out data/synthetic'
# The classes of make_synthetic.py, in label order; (2k, 2k+1) are time
# reversals of each other (it writes them to data/synthetic/
# reversed_pairs.txt), the pairs of ReversedPairMetric below.
class_names = [
    'move_right', 'move_left', 'move_down', 'move_up', 'grow', 'shrink',
    'appear', 'disappear'
]


def video_loader(split: str) -> dict:
    """The loader of one list: 16 videos per batch and 2 loading workers
    (the budget of 2 CPU cores), shuffled for training. (A function: the
    config keeps only what it returns.)"""
    return dict(
        batch_size=16,
        num_workers=2,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=split == 'train'),
        dataset=dict(
            type='VideoDataset',
            ann_file=f'{data_root}/{split}.txt',
            data_prefix=dict(video=f'{data_root}/videos'),
            test_mode=split != 'train'))


train_dataloader = video_loader('train')
val_dataloader = video_loader('val')
test_dataloader = video_loader('test')

# Top-1, and at test the reversal accuracy: the share of videos whose class
# scores above its time reversal (50% for a model blind to frame order).
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy', ))
test_evaluator = [
    val_evaluator,
    dict(
        type='ReversedPairMetric',
        pairs=[(0, 1), (2, 3), (4, 5), (6, 7)],
        class_names=class_names)
]
