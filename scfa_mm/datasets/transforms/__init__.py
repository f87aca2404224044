from .clip_augment import (ClipColorJitter, ClipGaussianBlur,
                           ClipRandomGrayscale)
from .cvrl_sampling import CVRLSampleFrames
from .grid_aggregate import GridAggregate
from .loading import CheckedDecordInit, FramePackInit, UniqueFrameReader
from .temporal_multiview import TemporalMultiView
from .wrappers import PerView

__all__ = [
    'CVRLSampleFrames', 'CheckedDecordInit', 'ClipColorJitter',
    'ClipGaussianBlur', 'ClipRandomGrayscale', 'FramePackInit',
    'GridAggregate', 'PerView', 'TemporalMultiView', 'UniqueFrameReader'
]
