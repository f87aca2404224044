from .transforms import (CheckedDecordInit, ClipColorJitter, ClipGaussianBlur,
                         ClipRandomGrayscale, CVRLSampleFrames, FramePackInit,
                         GridAggregate, PerView, TemporalMultiView,
                         UniqueFrameReader)

__all__ = [
    'CVRLSampleFrames', 'CheckedDecordInit', 'ClipColorJitter',
    'ClipGaussianBlur', 'ClipRandomGrayscale', 'FramePackInit',
    'GridAggregate', 'PerView', 'TemporalMultiView', 'UniqueFrameReader'
]
