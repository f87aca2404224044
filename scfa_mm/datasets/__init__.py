from .transforms import GridAggregate, TemporalMultiView, UniqueFrameReader

__all__ = ['GridAggregate', 'TemporalMultiView', 'UniqueFrameReader']
