"""The pieces of the evidence experiments that decide what is compared:
label subsets, variant data roots, and the probes' classifiers."""
import numpy as np
import pytest
import torch

from scfa_mm.evaluation.encoder_probe import (knn_accuracy,
                                              linear_probe_accuracy,
                                              sibling_view_accuracy)
from scfa_mm.utils.experiments import replace_root, stratified_subset


def test_stratified_subset_keeps_the_share_of_every_class(tmp_path):
    counts = {0: 70, 1: 70, 2: 9, 3: 1}
    lines = [
        f'c{label}/v{label}_{i}.mp4 {label}' for label, n in counts.items()
        for i in range(n)
    ]
    full = tmp_path / 'train.txt'
    full.write_text(''.join(f'{line}\n' for line in lines))

    def subset(fraction, seed):
        out = stratified_subset(
            str(full), fraction, seed, str(tmp_path / f'{fraction}_{seed}'))
        return open(out).read().splitlines()

    chosen = subset(0.1, 0)
    assert set(chosen) <= set(lines) and len(set(chosen)) == len(chosen)
    per_class = {
        label: sum(line.endswith(f' {label}') for line in chosen)
        for label in counts
    }
    # round(0.1 * n), at least one video of every class
    assert per_class == {0: 7, 1: 7, 2: 1, 3: 1}
    assert subset(0.1, 0) == chosen  # the same seed: the same subset
    assert subset(0.1, 1) != chosen
    assert len(subset(0.25, 0)) == 18 + 18 + 2 + 1


def test_variant_root_replaces_only_paths_under_the_default_root():
    cfg = dict(
        data_root='data/synthetic',
        train=dict(
            ann_file='data/synthetic/train.txt',
            pipeline=[dict(label_root='data/synthetic/frame_labels')]),
        other='data/synthetic_other/train.txt',
        untouched='work_dirs/data/synthetic',
        numbers=(1, 2))
    moved = replace_root(cfg, 'data/synthetic_per-class')
    assert moved == dict(
        data_root='data/synthetic_per-class',
        train=dict(
            ann_file='data/synthetic_per-class/train.txt',
            pipeline=[
                dict(label_root='data/synthetic_per-class/'
                     'frame_labels')
            ]),
        other='data/synthetic_other/train.txt',
        untouched='work_dirs/data/synthetic',
        numbers=(1, 2))


def test_knn_accuracy_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(40, 6)), rng.normal(size=(15, 6))
    train_labels, test_labels = rng.integers(0, 3, 40), rng.integers(0, 3, 15)
    correct = 0
    for query, label in zip(test, test_labels):
        cosine = train @ query / (
            np.linalg.norm(train, axis=1) * np.linalg.norm(query))
        nearest = np.argsort(-cosine, kind='stable')[:5]
        votes = np.bincount(train_labels[nearest], minlength=3)
        tied = np.flatnonzero(votes == votes.max())
        # a tie goes to the tied class met first in rank order
        prediction = next(train_labels[i] for i in nearest
                          if train_labels[i] in tied)
        correct += prediction == label
    assert knn_accuracy(train, train_labels, test, test_labels, 5) \
        == pytest.approx(correct / 15)


def test_linear_probe_separates_a_linear_class_structure():
    rng = np.random.default_rng(1)
    directions = rng.normal(size=(4, 16)) * 3
    labels = rng.integers(0, 4, 200)
    feats = directions[labels] + rng.normal(size=(200, 16))
    accuracy = linear_probe_accuracy(feats[:150], labels[:150], feats[150:],
                                     labels[150:])
    assert accuracy > 0.95
    shuffled = linear_probe_accuracy(feats[:150],
                                     rng.permutation(labels[:150]),
                                     feats[150:], labels[150:])
    assert shuffled < 0.6  # labels unrelated to the features


def test_sibling_view_accuracy_by_hand():
    # cosines worked by hand: 0a-0b 0.994, 1a-1b 0.994; 2a is nearest 0a
    # (0.919, above 2a-2b 0.567): wrong; 2b is far from all, nearest 2a
    # (0.567, above 0.196 for 0a): right. 5 of 6 views find their sibling
    views = torch.tensor([
        [[1.0, 0.0, 0.0], [0.9, 0.1, 0.0]],
        [[0.0, 1.0, 0.0], [0.0, 0.9, 0.1]],
        [[0.7, 0.0, 0.3], [0.2, 0.0, 1.0]],
    ])
    assert sibling_view_accuracy(views) == pytest.approx(5 / 6)
