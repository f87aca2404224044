from .grid_aggregate import GridAggregate
from .loading import CheckedDecordInit, UniqueFrameReader
from .temporal_multiview import TemporalMultiView

__all__ = [
    'CheckedDecordInit', 'GridAggregate', 'TemporalMultiView',
    'UniqueFrameReader'
]
