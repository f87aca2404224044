"""Probe a clip-level encoder (SCFA, CVRL) offline: k-NN and linear probe
on frozen features, for a checkpoint or for the untrained encoder.

Every video of the training and of the test split passes through the
config's test pipeline (no augmentation) and the backbone; its pooled
features, averaged over its views, are the video's representation
``(C, )``. Two classifiers read them, both fitted on the training split
and scored on the test split:

- **k-NN**: the majority class of the ``k`` training videos of highest
  cosine similarity (a tie goes to the nearer class);
- **linear probe**: multinomial logistic regression (L-BFGS, to
  convergence) on the features standardised with the training split's
  mean and deviation.

It also measures how well the encoder does its own pretext task on videos
it never trained on: every test video passes twice through the config's
*training* pipeline (two augmented views, as in training), and
**instance accuracy** is the share of the ``2N`` projected views whose
nearest other view (cosine) is the other view of the same video (chance
``1 / (2N - 1)``).

``--untrained`` evaluates the same encoder at its random initialisation,
drawn as ``tools/train.py`` draws it (seed, build, ``init_weights``): the
control that tells what training added. Prints the figures and writes them
to ``WORK_DIR/probe.json``.

Examples:
    python tools/analysis/probe_encoder.py \\
        configs/cvrl/cvrl_r3d18-small_synthetic.py \\
        work_dirs/cvrl_r3d18-small_synthetic/epoch_20.pth
    python tools/analysis/probe_encoder.py \\
        configs/cvrl/cvrl_r3d18-small_synthetic.py --untrained --seed 0
"""
import argparse
import copy
import json
import os
import os.path as osp
from typing import Dict, Tuple

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
import numpy as np
import torch
import torch.nn.functional as F
from mmengine import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

from scfa_mm.evaluation.embedding_metrics import (knn_predict,
                                                  ranked_neighbours)
from scfa_mm.utils.build import build_model_to_evaluate


def encode_split(model: torch.nn.Module, cfg: Config,
                 ann_file: str) -> Tuple[np.ndarray, np.ndarray]:
    """Pooled backbone features ``(N, C)``, averaged over each video's
    views, and labels ``(N, )`` of the videos of ``ann_file``, read with
    the config's test dataloader."""
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    loader_cfg.dataset.ann_file = ann_file
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg)
    feats, labels = [], []
    progress = ProgressBar(len(loader.dataset))
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            views = model._forward(data['inputs'], stage='backbone')
            feats.append(views.float().mean(1).cpu().numpy())
            labels += [int(s.gt_label.item()) for s in data['data_samples']]
            progress.update(len(data['data_samples']))
    print()
    return np.concatenate(feats), np.array(labels)


def instance_accuracy(model: torch.nn.Module, cfg: Config,
                      ann_file: str) -> float:
    """Share of the augmented views of the videos of ``ann_file`` (the
    training pipeline: ``V`` views per video) whose most similar other
    view, among all of them, belongs to the same video."""
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.dataset.ann_file = ann_file
    loader_cfg.update(
        sampler=dict(type='DefaultSampler', shuffle=False),
        num_workers=0,
        persistent_workers=False)
    loader_cfg.pop('batch_sampler', None)
    loader = Runner.build_dataloader(loader_cfg)
    embeddings = []
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            embeddings.append(
                model._forward(data['inputs'], stage='embedding').float())
    return sibling_view_accuracy(torch.cat(embeddings))


def sibling_view_accuracy(views: torch.Tensor) -> float:
    """Share of the ``N * V`` views ``(N, V, D)`` whose most similar other
    view (cosine) is a view of the same video."""
    num_videos, num_views = views.shape[:2]
    owners = torch.arange(num_videos).repeat_interleave(num_views)
    flat = F.normalize(views.flatten(0, 1).float(), dim=-1)
    similarity = flat @ flat.T
    similarity.fill_diagonal_(-float('inf'))
    return float((owners[similarity.argmax(1)] == owners).float().mean())


def knn_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                 test_labels: np.ndarray, k: int) -> float:
    order = ranked_neighbours(test, train, leave_one_out=False)
    predictions = knn_predict(train_labels[order[:, :k]])
    return float((predictions == test_labels).mean())


def linear_probe_accuracy(train: np.ndarray, train_labels: np.ndarray,
                          test: np.ndarray, test_labels: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression
    mean, std = train.mean(0), train.std(0) + 1e-6
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit((train - mean) / std, train_labels)
    return float((classifier.predict(
        (test - mean) / std) == test_labels).mean())


def probe(model: torch.nn.Module,
          cfg: Config,
          k: int = 5,
          train_ann_file: str = None) -> Dict[str, float]:
    """k-NN and linear-probe top-1 of ``model``'s frozen features."""
    splits = dict(
        train=train_ann_file or cfg.train_dataloader.dataset.ann_file,
        test=cfg.test_dataloader.dataset.ann_file)
    encoded = {}
    for split, ann_file in splits.items():
        print(f'encoding the {split} split ({ann_file})')
        encoded[split] = encode_split(model, cfg, ann_file)
    (train, train_labels), (test, test_labels) = \
        encoded['train'], encoded['test']
    print('instance discrimination on the test split, training pipeline')
    return {
        'instance/top1':
        instance_accuracy(model, cfg, splits['test']),
        f'knn/top1@k={k}':
        knn_accuracy(train, train_labels, test, test_labels, k),
        'linear_probe/top1':
        linear_probe_accuracy(train, train_labels, test, test_labels),
        'feature_channels':
        int(train.shape[1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument(
        '--untrained',
        action='store_true',
        help='probe the encoder at its random initialisation')
    parser.add_argument(
        '--seed',
        type=int,
        help="seed of the random initialisation (default: the config's "
        'randomness.seed)')
    parser.add_argument('--k', type=int, default=5)
    parser.add_argument('--work-dir')
    parser.add_argument(
        '--train-list',
        help='annotation list the classifiers are fitted on (default: the '
        "config's train_dataloader list)")
    args = parser.parse_args()
    if (args.checkpoint is None) == (not args.untrained):
        parser.error('give a checkpoint or --untrained (not both)')
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    seed = args.seed if args.seed is not None else \
        cfg.get('randomness', {}).get('seed', 0)
    model = build_model_to_evaluate(cfg.model, args.checkpoint, seed)
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join(
        'work_dirs', name, 'probe_untrained' if args.untrained else 'probe')
    os.makedirs(work_dir, exist_ok=True)
    metrics = probe(model, cfg, args.k, args.train_list)
    metrics.update(
        checkpoint=args.checkpoint, untrained=args.untrained, seed=seed)
    for key, value in metrics.items():
        print(f'{key}: {value}')
    with open(osp.join(work_dir, 'probe.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


if __name__ == '__main__':
    main()
