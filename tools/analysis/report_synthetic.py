"""Evaluate a checkpoint on the synthetic set and draw the demo's figures.

Runs the test split once through the model (class scores and embeddings),
prints top-1 overall, per time-reversed pair and the reversal accuracy (the
true class scored above its time-reversed twin: 50% for an order-blind
model), and writes into ``--out``:

- ``training_curves.png``: losses and validation accuracy of the run;
- ``confusion_matrix.png``;
- ``embeddings_tsne.png``: t-SNE of the test embeddings, coloured by class;
- ``example_grids.png``: one test video per class as the network sees it;
- ``summary.json``: the figures printed.

Example:
    python tools/analysis/report_synthetic.py configs/scfa_synthetic.py \
        work_dirs/demo/epoch_30.pth --train-dir work_dirs/demo \
        --out work_dirs/demo
"""
import argparse
import glob
import json
import os
import os.path as osp
from typing import Dict, List

import matplotlib
import numpy as np
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar

import scfa_mm  # noqa: F401  (registers the plugin's components)
from scfa_mm.utils import allow_full_checkpoint_loading

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def read_lines(path: str) -> List[str]:
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


@torch.no_grad()
def run_test_split(cfg: Config, checkpoint: str, batch_size: int) -> Dict:
    """Scores ``(N, K)``, embeddings ``(N, D)``, labels ``(N, )`` and the
    first grid of every video."""
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu')
    model.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    scores, embeddings, labels, grids = [], [], [], []
    progress = ProgressBar(len(dataset))
    for start in range(0, len(dataset), batch_size):
        samples = [
            dataset[i]
            for i in range(start, min(start + batch_size, len(dataset)))
        ]
        data = model.data_preprocessor(pseudo_collate(samples))
        predictions = model(**data, mode='predict')
        views = model(data['inputs'], mode='tensor')  # (B, V, D)
        embeddings.append(
            torch.nn.functional.normalize(views.mean(1), dim=1).numpy())
        scores += [p.pred_score.numpy() for p in predictions]
        labels += [p.gt_label.item() for p in predictions]
        grids += [s['inputs'][0].permute(1, 2, 0).numpy() for s in samples]
        for _ in samples:
            progress.update()
    return dict(
        scores=np.stack(scores),
        embeddings=np.concatenate(embeddings),
        labels=np.array(labels),
        grids=grids)


def summarise(scores: np.ndarray, labels: np.ndarray, names: List[str],
              pairs: List[List[str]]) -> Dict:
    predicted = scores.argmax(1)
    summary = dict(
        num_videos=int(len(labels)),
        top1=float((predicted == labels).mean()),
        pairs={})
    twin = {}
    for first, second in pairs:
        a, b = names.index(first), names.index(second)
        twin[a], twin[b] = b, a
        members = np.isin(labels, (a, b))
        summary['pairs'][f'{first} / {second}'] = float(
            (predicted[members] == labels[members]).mean())
    paired = np.array([label in twin for label in labels])
    true_scores = scores[np.arange(len(labels)), labels]
    twin_scores = np.array([
        scores[i, twin[label]] if label in twin else np.nan
        for i, label in enumerate(labels)
    ])
    summary['reversal_accuracy'] = float((true_scores[paired]
                                          > twin_scores[paired]).mean())
    return summary


def plot_training_curves(train_dir: str, out: str) -> None:
    records = []
    for path in sorted(
            glob.glob(osp.join(train_dir, '*', 'vis_data', 'scalars.json'))):
        records += [json.loads(line) for line in open(path)]
    train = [r for r in records if 'loss' in r]
    val = [r for r in records if 'acc/top1' in r]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    steps = [r['step'] for r in train]
    for key in ('loss_supcon', 'loss_cls'):
        if train and key in train[0]:
            left.plot(steps, [r[key] for r in train], label=key)
    left.set_xlabel('iteration')
    left.set_title('training losses')
    left.legend()
    right.plot([r['step'] for r in val], [r['acc/top1'] for r in val], 'o-')
    right.set_xlabel('epoch')
    right.set_ylim(0, 1)
    right.set_title('validation top-1 (linear probe)')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def plot_confusion(scores, labels, names, out) -> None:
    matrix = np.zeros((len(names), len(names)), int)
    for label, predicted in zip(labels, scores.argmax(1)):
        matrix[label, predicted] += 1
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap='Blues')
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(
                j,
                i,
                matrix[i, j],
                ha='center',
                va='center',
                color='white' if matrix[i, j] > matrix.max() / 2 else 'black')
    ax.set_xticks(range(len(names)), names, rotation=45, ha='right')
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title('test confusion matrix')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def plot_embeddings(embeddings, labels, names, out) -> None:
    from sklearn.manifold import TSNE
    points = TSNE(
        n_components=2,
        init='pca',
        random_state=0,
        perplexity=min(30,
                       len(labels) - 1)).fit_transform(embeddings)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    colours = plt.get_cmap('tab10')
    for label, name in enumerate(names):
        members = labels == label
        # a pair shares a colour; the reversed class is hollow
        colour = colours(label // 2 % 10)
        ax.scatter(
            points[members, 0],
            points[members, 1],
            s=30,
            label=name,
            edgecolors=colour,
            facecolors=colour if label % 2 == 0 else 'none')
    ax.legend(fontsize=8, loc='best')
    ax.set_title('t-SNE of test embeddings')
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def plot_examples(grids, labels, names, out) -> None:
    fig, axes = plt.subplots(
        2, (len(names) + 1) // 2, figsize=(2.2 * ((len(names) + 1) // 2), 4.8))
    for label, ax in enumerate(axes.flat):
        ax.axis('off')
        if label >= len(names) or not (labels == label).any():
            continue
        ax.imshow(grids[int(np.flatnonzero(labels == label)[0])])
        ax.set_title(names[label], fontsize=9)
    fig.suptitle(
        'one test video per class, as one 4x4 grid (time: left to '
        'right, top to bottom)',
        fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--train-dir', help='work dir of the training run')
    parser.add_argument('--data-root', default='data/synthetic')
    parser.add_argument('--out', default='work_dirs/demo')
    parser.add_argument('--batch-size', type=int, default=16)
    args = parser.parse_args()
    init_default_scope('mmaction')
    allow_full_checkpoint_loading()
    os.makedirs(args.out, exist_ok=True)
    names = read_lines(osp.join(args.data_root, 'classnames.txt'))
    pairs = [
        line.split()
        for line in read_lines(osp.join(args.data_root, 'reversed_pairs.txt'))
    ]

    cfg = Config.fromfile(args.config)
    result = run_test_split(cfg, args.checkpoint, args.batch_size)
    summary = summarise(result['scores'], result['labels'], names, pairs)
    if args.train_dir:
        plot_training_curves(args.train_dir,
                             osp.join(args.out, 'training_curves.png'))
    plot_confusion(result['scores'], result['labels'], names,
                   osp.join(args.out, 'confusion_matrix.png'))
    plot_embeddings(result['embeddings'], result['labels'], names,
                    osp.join(args.out, 'embeddings_tsne.png'))
    plot_examples(result['grids'], result['labels'], names,
                  osp.join(args.out, 'example_grids.png'))
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)

    print(f'\ntest videos: {summary["num_videos"]}')
    print(f'top-1: {summary["top1"]:.1%}')
    print(f'reversal accuracy (true class above its time reversal): '
          f'{summary["reversal_accuracy"]:.1%}')
    for pair, accuracy in summary['pairs'].items():
        print(f'  top-1 on {pair}: {accuracy:.1%}')
    print(f'figures in {args.out}/')


if __name__ == '__main__':
    main()
