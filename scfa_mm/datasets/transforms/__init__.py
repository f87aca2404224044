from .caption_packing import GridAsImage, SampleCaption
from .carl_sampling import CARLSampleFrames
from .clip_augment import (ClipColorJitter, ClipGaussianBlur,
                           ClipRandomGrayscale, ClipRandomSolarize)
from .cvrl_sampling import CVRLSampleFrames
from .device_augment import PerViewOnDevice
from .grid_aggregate import GridAggregate
from .loading import (CheckedDecordInit, FramePackInit, LoadFramePhaseLabels,
                      UniqueFrameReader, VideoInit)
from .multiview_sampling import BaseMultiViewSampler
from .temporal_multiview import TemporalMultiView
from .wrappers import PerView

__all__ = [
    'BaseMultiViewSampler', 'CARLSampleFrames', 'CVRLSampleFrames',
    'LoadFramePhaseLabels', 'CheckedDecordInit', 'ClipColorJitter',
    'ClipGaussianBlur', 'ClipRandomGrayscale', 'ClipRandomSolarize',
    'FramePackInit', 'GridAggregate', 'GridAsImage', 'PerView',
    'PerViewOnDevice', 'SampleCaption', 'TemporalMultiView',
    'UniqueFrameReader', 'VideoInit'
]
