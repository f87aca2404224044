from .embedding_metrics import EmbeddingRetrievalMetric, KNNAccuracyMetric
from .frame_metrics import (FrameRetrievalMetric, KendallsTauMetric,
                            PhaseClassificationMetric, PhaseProgressionMetric)
from .reversed_pair_metric import ReversedPairMetric
from .safe_dump import SafeDumpResults

__all__ = [
    'EmbeddingRetrievalMetric', 'FrameRetrievalMetric', 'KNNAccuracyMetric',
    'KendallsTauMetric', 'PhaseClassificationMetric', 'PhaseProgressionMetric',
    'ReversedPairMetric', 'SafeDumpResults'
]
