from .frame_reader import UniqueFrameReader
from .grid_aggregate import GridAggregate
from .temporal_multiview import TemporalMultiView

__all__ = ['GridAggregate', 'TemporalMultiView', 'UniqueFrameReader']
