"""Retrieval and k-nearest-neighbour accuracy on learned video embeddings."""
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ..utils.arguments import check_int
from ..utils.build import read_test_dump


def ranked_neighbours(query: np.ndarray, gallery: np.ndarray,
                      leave_one_out: bool) -> np.ndarray:
    """Gallery indices by decreasing cosine similarity, per query.

    Args:
        query (np.ndarray): ``(Q, D)`` embeddings.
        gallery (np.ndarray): ``(G, D)`` embeddings.
        leave_one_out (bool): Query ``i`` is gallery item ``i`` (the same
            set): drop it from its own ranking.

    Returns:
        np.ndarray: ``(Q, G)``, or ``(Q, G - 1)`` with ``leave_one_out``.
    """
    query = query / np.linalg.norm(query, axis=1, keepdims=True)
    gallery = gallery / np.linalg.norm(gallery, axis=1, keepdims=True)
    similarity = query @ gallery.T
    if leave_one_out:
        np.fill_diagonal(similarity, -np.inf)
    order = np.argsort(-similarity, axis=1, kind='stable')
    return order[:, :-1] if leave_one_out else order


def retrieval_metrics(hits: np.ndarray,
                      topk: Sequence[int]) -> Dict[str, float]:
    """Recall@k and mAP from ``hits`` ``(Q, G)``: whether the gallery item
    at each rank has the query's label.

    Recall@k is the fraction of queries with a hit in their first ``k``;
    AP averages the precision at the rank of every hit; mAP is the mean AP
    over queries with at least one hit in the gallery.
    """
    metrics = {
        f'recall@{k}': float(hits[:, :k].any(axis=1).mean())
        for k in topk
    }
    ranks = np.arange(1, hits.shape[1] + 1)
    precision = np.cumsum(hits, axis=1) / ranks
    num_hits = hits.sum(axis=1)
    has_hit = num_hits > 0
    average_precision = (precision * hits).sum(axis=1)[has_hit] \
        / num_hits[has_hit]
    metrics['mAP'] = float(average_precision.mean()) if has_hit.any() \
        else 0.0
    return metrics


def knn_predict(neighbour_labels: np.ndarray) -> np.ndarray:
    """Majority label of each row of ``(Q, k)`` neighbour labels (nearest
    first); a tie goes to the tied label that appears first."""
    predictions = []
    for row in neighbour_labels:
        labels, first_rank, counts = np.unique(
            row, return_index=True, return_counts=True)
        best = counts == counts.max()
        predictions.append(labels[best][np.argmin(first_rank[best])])
    return np.array(predictions)


class _EmbeddingMetric(BaseMetric):
    """Collects ``embedding`` and ``gt_label`` of every test video.

    The gallery is the test set itself (each video queries the others) or,
    with ``gallery_dump``, the videos of a ``tools/test.py --dump`` file
    (e.g. of the training split).
    """

    def __init__(self,
                 gallery_dump: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gallery_dump = gallery_dump

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            if 'embedding' not in sample:
                raise KeyError(
                    f'{type(self).__name__} needs an "embedding" in the '
                    f'predictions; models with a projection neck store '
                    f'one (SCFARecognizer and the other contrastive '
                    f'algorithms)')
            self.results.append((sample['embedding'].float().cpu().numpy(),
                                 int(sample['gt_label'].item())))

    @staticmethod
    def _stack(results: List) -> Tuple[np.ndarray, np.ndarray]:
        return (np.stack([embedding for embedding, _ in results]),
                np.array([label for _, label in results]))

    def _query_and_gallery(self, results: List):
        """Ranked gallery labels ``(Q, G)`` and query labels ``(Q, )``."""
        query, query_labels = self._stack(results)
        if self.gallery_dump is None:
            gallery, gallery_labels, same_set = query, query_labels, True
        else:
            dumped = read_test_dump(self.gallery_dump)
            if 'embeddings' not in dumped:
                raise KeyError(f'{self.gallery_dump} holds no "embedding" '
                               'per video')
            gallery, gallery_labels = dumped['embeddings'], dumped['labels']
            same_set = False
        order = ranked_neighbours(query, gallery, leave_one_out=same_set)
        ranked_labels = gallery_labels[order]
        self._warn_queries_without_match(ranked_labels, query_labels, same_set)
        return ranked_labels, query_labels

    def _warn_queries_without_match(self, ranked_labels: np.ndarray,
                                    query_labels: np.ndarray,
                                    same_set: bool) -> None:
        """Say so when queries have no video of their class in the
        gallery: their recall and k-NN accuracy are 0 whatever the
        embeddings, and with none at all the metric means nothing."""
        unmatched = ~(ranked_labels == query_labels[:, None]).any(axis=1)
        if not unmatched.any():
            return
        gallery = ('the other test videos'
                   if same_set else f'the {ranked_labels.shape[1]} videos of '
                   f'{self.gallery_dump}')
        classes = sorted(set(query_labels[unmatched].tolist()))
        shown = ', '.join(map(
            str, classes[:10])) + (', ...' if len(classes) > 10 else '')
        what = ('every query' if unmatched.all() else
                f'{unmatched.sum()} of {len(unmatched)} queries')
        print_log(
            f'{type(self).__name__}: {what} (classes {shown}) found no '
            f'video of its class among {gallery}; their scores are 0 '
            'whatever the embeddings' +
            ('; this metric measures nothing here.' if unmatched.all() else
             f', which caps the score at {1 - unmatched.mean():.4f}.'),
            logger='current',
            level=logging.WARNING)


@METRICS.register_module()
class EmbeddingRetrievalMetric(_EmbeddingMetric):
    """Recall@k and mAP of video retrieval by class, on embeddings.

    Each test video queries the gallery (the other test videos, or those of
    ``gallery_dump``) by cosine similarity; gallery videos of its class are
    the relevant ones.

    Args:
        topk (Sequence[int]): The ``k`` of Recall@k. Defaults to (1, 5, 10).
        gallery_dump (str, optional): A ``tools/test.py --dump`` file
            (read weights-only) whose videos form the gallery. Defaults to
            None (the test set).
        collect_device (str): See :class:`BaseMetric`.
        prefix (str, optional): Defaults to ``'retrieval'``.
    """

    default_prefix = 'retrieval'

    def __init__(self, topk: Sequence[int] = (1, 5, 10), **kwargs) -> None:
        super().__init__(**kwargs)
        if not topk:
            raise ValueError('EmbeddingRetrievalMetric: topk must name at '
                             f'least one k, got {topk!r}')
        check_int('EmbeddingRetrievalMetric', **{
            f'topk[{i}]': k
            for i, k in enumerate(topk)
        })
        self.topk = tuple(topk)

    def compute_metrics(self, results: List) -> Dict[str, float]:
        ranked_labels, query_labels = self._query_and_gallery(results)
        hits = ranked_labels == query_labels[:, None]
        return retrieval_metrics(hits, self.topk)


@METRICS.register_module()
class KNNAccuracyMetric(_EmbeddingMetric):
    """k-nearest-neighbour classification accuracy on embeddings (no
    training): each test video takes the majority class of its ``k`` most
    similar gallery videos (a tie goes to the class met first).

    Args:
        k (int): Neighbours. Defaults to 5.
        gallery_dump (str, optional): See :class:`EmbeddingRetrievalMetric`.
        collect_device (str): See :class:`BaseMetric`.
        prefix (str, optional): Defaults to ``'knn'``.
    """

    default_prefix = 'knn'

    def __init__(self, k: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        check_int('KNNAccuracyMetric', k=k)
        self.k = k

    def compute_metrics(self, results: List) -> Dict[str, float]:
        ranked_labels, query_labels = self._query_and_gallery(results)
        predictions = knn_predict(ranked_labels[:, :self.k])
        return {
            f'top1@k={self.k}': float((predictions == query_labels).mean())
        }
