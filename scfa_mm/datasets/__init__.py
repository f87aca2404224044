from .transforms import (CheckedDecordInit, GridAggregate, TemporalMultiView,
                         UniqueFrameReader)

__all__ = [
    'CheckedDecordInit', 'GridAggregate', 'TemporalMultiView',
    'UniqueFrameReader'
]
