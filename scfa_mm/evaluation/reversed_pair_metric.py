"""Accuracy on classes that are time reversals of each other."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric


@METRICS.register_module()
class ReversedPairMetric(BaseMetric):
    """How well a model tells a class from its time reversal.

    For classes given in pairs ``(a, b)`` where ``b`` is ``a`` played
    backwards (move right / move left, grow / shrink ...):

    - ``reversal_acc``: the fraction of videos of paired classes whose true
      class scores above its reversed twin. Any model blind to frame order
      sits at 0.5 in expectation.
    - ``top1/<a>-<b>``: ordinary top-1 on the videos of each pair.

    Args:
        pairs (Sequence[tuple[int, int]]): Class indices of each pair.
        class_names (Sequence[str], optional): Names used in the keys;
            indices if None.
        collect_device (str): See :class:`BaseMetric`. Defaults to 'cpu'.
        prefix (str, optional): See :class:`BaseMetric`.
    """

    default_prefix = 'reversed'

    def __init__(self,
                 pairs: Sequence[Tuple[int, int]],
                 class_names: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        flat = [int(c) for pair in pairs for c in pair]
        if not pairs or any(len(pair) != 2 for pair in pairs) \
                or len(set(flat)) != len(flat) or min(flat) < 0:
            raise ValueError(f'ReversedPairMetric: pairs must be disjoint '
                             f'pairs of class indices, got {pairs!r}')
        if class_names is not None and max(flat) >= len(class_names):
            raise ValueError(f'ReversedPairMetric: pair index {max(flat)} '
                             f'has no name in {len(class_names)} class_names')
        self.pairs = [(int(a), int(b)) for a, b in pairs]
        self.class_names = class_names
        self.twin = {a: b for a, b in self.pairs}
        self.twin.update({b: a for a, b in self.pairs})

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            self.results.append((sample['pred_score'].float().cpu().numpy(),
                                 int(sample['gt_label'].item())))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        scores = np.stack([score for score, _ in results])
        labels = np.array([label for _, label in results])
        predicted = scores.argmax(1)
        paired = np.flatnonzero(np.isin(labels, list(self.twin)))
        metrics = dict()
        if len(paired):
            twins = np.array([self.twin[label] for label in labels[paired]])
            metrics['reversal_acc'] = float((scores[paired, labels[paired]]
                                             > scores[paired, twins]).mean())
        for a, b in self.pairs:
            members = np.isin(labels, (a, b))
            if members.any():
                name = (f'{self.class_names[a]}-{self.class_names[b]}'
                        if self.class_names else f'{a}-{b}')
                metrics[f'top1/{name}'] = float(
                    (predicted[members] == labels[members]).mean())
        return metrics


def reversal_summary(scores: np.ndarray, labels: np.ndarray,
                     pairs: Sequence[Tuple[int, int]],
                     class_names: Sequence[str]) -> Dict[str, float]:
    """Top-1 and :class:`ReversedPairMetric`'s figures of test predictions.

    Args:
        scores (np.ndarray): Class scores ``(N, K)``.
        labels (np.ndarray): True classes ``(N, )``.
        pairs (Sequence[tuple[int, int]]): Time-reversed class pairs.
        class_names (Sequence[str]): Names of the ``K`` classes.

    Returns:
        dict: ``num_videos``, ``top1`` and the metric's
        ``reversed/reversal_acc`` and ``reversed/top1/<a>-<b>``.
    """
    metric = ReversedPairMetric(pairs, class_names=class_names)
    metric.process(None, [
        dict(pred_score=torch.as_tensor(s), gt_label=torch.tensor([y]))
        for s, y in zip(scores, labels)
    ])
    return dict(
        num_videos=len(labels),
        top1=float((scores.argmax(1) == labels).mean()),
        **metric.evaluate(len(labels)))
