"""Summarise a test run on the synthetic set and draw the demo's figures.

Reads the predictions that ``tools/test.py --dump`` wrote, prints top-1
overall, per time-reversed pair and the reversal accuracy (the true class
scored above its time-reversed twin: 50% for an order-blind model), and
writes into ``--out``:

- ``training_curves.png``: losses and validation accuracy of the run;
- ``confusion_matrix.png``;
- ``embeddings_tsne.png``: t-SNE of the test embeddings, coloured by class;
- ``example_grids.png``: one test video per class as the network sees it;
- ``summary.json``: the figures printed.

Example:
    python tools/test.py configs/scfa_synthetic.py CHECKPOINT \
        --dump work_dirs/demo/test_results.pt
    python tools/analysis/report_synthetic.py work_dirs/demo/test_results.pt \
        --config configs/scfa_synthetic.py --train-dir work_dirs/demo
"""
import argparse
import json
import os
import os.path as osp

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
import torch
from mmaction.registry import DATASETS
from matplotlib.figure import Figure
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.evaluation import ReversedPairMetric
from scfa_mm.utils.build import add_dump_arguments, read_test_dump
from scfa_mm.utils.curves import plot_training_curves, read_training_log
from scfa_mm.utils.plots import (confusion_matrix, plot_confusion_matrix,
                                 plot_embeddings_2d, read_class_names)


def write_training_curves(train_dir: str, out: str) -> None:
    """Losses and validation top-1 of the run in ``train_dir``."""
    log = read_training_log(train_dir)
    logged = set(sum(log.keys().values(), []))
    keys = [
        key for key in ('loss_supcon', 'loss_cls', 'acc/top1') if key in logged
    ]
    fig = plot_training_curves([log], keys)
    fig.savefig(out, dpi=100)


def plot_examples(config: str, names, out: str) -> None:
    """The first test video of every class, as its first grid image."""
    cfg = Config.fromfile(config)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    first = {}
    for index in range(len(dataset)):
        label = dataset.get_data_info(index)['label']
        first.setdefault(label, index)
    columns = (len(names) + 1) // 2
    fig = Figure(figsize=(2.2 * columns, 4.8))
    axes = fig.subplots(2, columns)
    for label, ax in enumerate(axes.flat):
        ax.axis('off')
        if label in first:
            grid = dataset[first[label]]['inputs'][0]  # (3, H, W) uint8
            ax.imshow(grid.permute(1, 2, 0).numpy())
            ax.set_title(names[label], fontsize=9)
    fig.suptitle(
        'one test video per class, as one grid (time: left to '
        'right, top to bottom)',
        fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dump_arguments(parser)
    parser.add_argument(
        '--config',
        default='configs/scfa_synthetic.py',
        help='config of the run (for the example grids)')
    parser.add_argument('--train-dir', help='work dir of the training run')
    parser.add_argument('--data-root', default='data/synthetic')
    parser.add_argument('--out', default='work_dirs/demo')
    args = parser.parse_args()
    init_default_scope('mmaction')
    os.makedirs(args.out, exist_ok=True)
    dumped = read_test_dump(args.dump, args.allow_pickle)
    scores, labels = dumped['scores'], dumped['labels']
    names = read_class_names(
        osp.join(args.data_root, 'classnames.txt'), scores.shape[1])
    with open(osp.join(args.data_root, 'reversed_pairs.txt')) as f:
        pairs = [[names.index(name) for name in line.split()] for line in f
                 if line.strip()]

    metric = ReversedPairMetric(pairs, class_names=names)
    metric.process(None, [
        dict(pred_score=torch.as_tensor(s), gt_label=torch.tensor([y]))
        for s, y in zip(scores, labels)
    ])
    summary = dict(
        num_videos=len(labels),
        top1=float((scores.argmax(1) == labels).mean()),
        **metric.evaluate(len(labels)))

    if args.train_dir:
        write_training_curves(args.train_dir,
                              osp.join(args.out, 'training_curves.png'))
    matrix = confusion_matrix(labels, scores.argmax(1), len(names))
    plot_confusion_matrix(
        matrix,
        names,
        osp.join(args.out, 'confusion_matrix.png'),
        title=f'test confusion matrix, top-1 '
        f'{summary["top1"]:.1%}')
    if 'embeddings' in dumped:
        plot_embeddings_2d(
            dumped['embeddings'],
            labels,
            names,
            osp.join(args.out, 'embeddings_tsne.png'),
            title='t-SNE of test embeddings (a pair shares '
            'a colour; reversed class hollow)',
            pairs_share_colour=True)
    plot_examples(args.config, names, osp.join(args.out, 'example_grids.png'))
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)

    print(f'\ntest videos: {summary["num_videos"]}')
    print(f'top-1: {summary["top1"]:.1%}')
    print('reversal accuracy (true class above its time reversal): '
          f'{summary["reversed/reversal_acc"]:.1%}')
    for key, value in summary.items():
        if key.startswith('reversed/top1/'):
            print(f'  top-1 on {key.split("/", 2)[2]}: {value:.1%}')
    print(f'figures in {args.out}/')


if __name__ == '__main__':
    main()
