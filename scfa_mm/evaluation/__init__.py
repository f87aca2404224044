from .embedding_metrics import EmbeddingRetrievalMetric, KNNAccuracyMetric
from .reversed_pair_metric import ReversedPairMetric

__all__ = [
    'EmbeddingRetrievalMetric', 'KNNAccuracyMetric', 'ReversedPairMetric'
]
