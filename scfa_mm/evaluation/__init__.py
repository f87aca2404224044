from .caption_keyword_metric import CaptionKeywordMetric
from .caption_metrics import VideoCaptionMetric
from .embedding_metrics import EmbeddingRetrievalMetric, KNNAccuracyMetric
from .frame_metrics import (FrameRetrievalMetric, KendallsTauMetric,
                            PhaseClassificationMetric, PhaseProgressionMetric)
from .reversed_pair_metric import ReversedPairMetric
from .safe_dump import SafeDumpResults

__all__ = [
    'CaptionKeywordMetric', 'EmbeddingRetrievalMetric', 'FrameRetrievalMetric',
    'KNNAccuracyMetric', 'KendallsTauMetric', 'PhaseClassificationMetric',
    'PhaseProgressionMetric', 'ReversedPairMetric', 'SafeDumpResults',
    'VideoCaptionMetric'
]
