import numpy as np
import pytest
import torch

from scfa_mm.evaluation import ReversedPairMetric
from scfa_mm.evaluation.reversed_pair_metric import reversal_summary


def evaluate(metric, scores, labels):
    metric.process(None, [
        dict(
            pred_score=torch.tensor(s, dtype=torch.float32),
            gt_label=torch.tensor([label]))
        for s, label in zip(scores, labels)
    ])
    return metric.evaluate(len(labels))


def test_against_a_loop():
    rng = np.random.default_rng(0)
    scores = rng.random((40, 5))
    labels = rng.integers(0, 5, 40)
    pairs = [(0, 1), (3, 2)]
    result = evaluate(
        ReversedPairMetric(pairs, class_names=list('abcde')), scores, labels)
    twin = {0: 1, 1: 0, 3: 2, 2: 3}
    above = [
        scores[i, y] > scores[i, twin[y]] for i, y in enumerate(labels)
        if y in twin
    ]
    assert result['reversed/reversal_acc'] == pytest.approx(np.mean(above))
    for (a, b), key in ((pairs[0], 'a-b'), (pairs[1], 'd-c')):
        hits = [
            scores[i].argmax() == y for i, y in enumerate(labels)
            if y in (a, b)
        ]
        assert result[f'reversed/top1/{key}'] == pytest.approx(np.mean(hits))


def test_order_blind_scores_give_one_half_at_best():
    # identical scores for a class and its twin: never strictly above
    scores = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    result = evaluate(ReversedPairMetric([(0, 1)]), scores, [0, 1])
    assert result['reversed/reversal_acc'] == 0


@pytest.mark.parametrize('pairs', [[], [(0, 1), (1, 2)], [(0, )], [(0, -1)]])
def test_bad_pairs(pairs):
    with pytest.raises(ValueError, match='pairs'):
        ReversedPairMetric(pairs)


def test_pair_without_name():
    with pytest.raises(ValueError, match='index 4'):
        ReversedPairMetric([(0, 4)], class_names=['a', 'b'])


def test_reversal_summary_against_a_loop():
    scores = np.array([[0.6, 0.4, 0.0], [0.7, 0.3, 0.0], [0.1, 0.2, 0.7],
                       [0.0, 0.9, 0.1]])
    labels = np.array([0, 1, 2, 1])
    summary = reversal_summary(scores, labels, [(0, 1)], ['a', 'b', 'c'])
    # videos of the pair: 0 (right, above its twin), 1 (wrong), 3 (right)
    assert summary['num_videos'] == 4
    assert summary['top1'] == pytest.approx(3 / 4)
    assert summary['reversed/reversal_acc'] == pytest.approx(2 / 3)
    assert summary['reversed/top1/a-b'] == pytest.approx(2 / 3)
