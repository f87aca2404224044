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
    python tools/test.py configs/scfa/scfa_r18_synthetic.py CHECKPOINT \
        --dump work_dirs/demo/test_results.pt
    python tools/analysis/report_synthetic.py work_dirs/demo/test_results.pt \
        --config configs/scfa/scfa_r18_synthetic.py --train-dir work_dirs/demo
"""
import argparse
import json
import os
import os.path as osp

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
from mmaction.registry import DATASETS
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.evaluation.reversed_pair_metric import reversal_summary
from scfa_mm.utils.build import add_dump_arguments, read_test_dump
from scfa_mm.utils.curves import save_training_curves
from scfa_mm.utils.plots import (confusion_matrix, plot_confusion_matrix,
                                 plot_embeddings_2d, plot_example_grids,
                                 read_class_names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dump_arguments(parser)
    parser.add_argument(
        '--config',
        default='configs/scfa/scfa_r18_synthetic.py',
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

    summary = reversal_summary(scores, labels, pairs, names)

    if args.train_dir:
        save_training_curves(args.train_dir,
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
    dataset = DATASETS.build(
        Config.fromfile(args.config).test_dataloader.dataset)
    plot_example_grids(dataset, names).savefig(
        osp.join(args.out, 'example_grids.png'), dpi=100)
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
