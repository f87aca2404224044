"""Offline probes of a clip-level encoder (SCFA, CVRL) on frozen features:
k-NN and linear probe fitted on the training split and scored on the test
split, and instance accuracy (the pretext task on held-out videos).

A video's representation is its pooled backbone features ``(C, )``,
averaged over its views, read with the config's test pipeline (no
augmentation).
"""
import copy
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine import Config
from mmengine.runner import Runner
from mmengine.utils import ProgressBar
from torch import nn

from .embedding_metrics import knn_predict, ranked_neighbours


def encode_split(model: nn.Module, cfg: Config,
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


def instance_accuracy(model: nn.Module, cfg: Config, ann_file: str) -> float:
    """Share of the augmented views of the videos of ``ann_file`` (the
    config's training pipeline: ``V`` views per video, in order) whose
    most similar other view, among all of them, belongs to the same video
    (:func:`sibling_view_accuracy` of the projected embeddings)."""
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
    view (cosine) is a view of the same video (chance about
    ``(V - 1) / (N * V - 1)``)."""
    num_videos, num_views = views.shape[:2]
    owners = torch.arange(num_videos).repeat_interleave(num_views)
    flat = F.normalize(views.flatten(0, 1).float(), dim=-1)
    similarity = flat @ flat.T
    similarity.fill_diagonal_(-float('inf'))
    return float((owners[similarity.argmax(1)] == owners).float().mean())


def knn_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                 test_labels: np.ndarray, k: int) -> float:
    """Top-1 of the majority class of the ``k`` training rows ``(N, C)`` of
    highest cosine similarity to each test row ``(M, C)`` (a tie goes to
    the tied class met first in rank order)."""
    order = ranked_neighbours(test, train, leave_one_out=False)
    predictions = knn_predict(train_labels[order[:, :k]])
    return float((predictions == test_labels).mean())


def linear_probe_accuracy(train: np.ndarray, train_labels: np.ndarray,
                          test: np.ndarray, test_labels: np.ndarray) -> float:
    """Top-1 on the test rows of a multinomial logistic regression (L-BFGS,
    to convergence) fitted on the training rows, both standardised with
    the training rows' mean and deviation."""
    from sklearn.linear_model import LogisticRegression
    mean, std = train.mean(0), train.std(0) + 1e-6
    classifier = LogisticRegression(max_iter=5000)
    classifier.fit((train - mean) / std, train_labels)
    return float((classifier.predict(
        (test - mean) / std) == test_labels).mean())


def probe_encoder(model: nn.Module,
                  cfg: Config,
                  k: int = 5,
                  train_ann_file: Optional[str] = None) -> Dict[str, float]:
    """k-NN and linear-probe top-1 of ``model``'s frozen features, fitted
    on the training split (``train_ann_file``, default the config's) and
    scored on the test split, and the instance accuracy on the test
    split.

    Returns:
        dict: ``instance/top1``, ``knn/top1@k=K``, ``linear_probe/top1``
        and ``feature_channels``.
    """
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
