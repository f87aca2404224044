from .grid_aggregate import GridAggregate
from .loading import CheckedDecordInit, FramePackInit, UniqueFrameReader
from .temporal_multiview import TemporalMultiView

__all__ = [
    'CheckedDecordInit', 'FramePackInit', 'GridAggregate', 'TemporalMultiView',
    'UniqueFrameReader'
]
