from .transforms import (CheckedDecordInit, FramePackInit, GridAggregate,
                         TemporalMultiView, UniqueFrameReader)

__all__ = [
    'CheckedDecordInit', 'FramePackInit', 'GridAggregate', 'TemporalMultiView',
    'UniqueFrameReader'
]
