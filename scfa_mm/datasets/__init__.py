from .samplers import GlobalBatchSampler
from .skip_unreadable import SkipUnreadableSamples
from .transforms import (BaseMultiViewSampler, CARLSampleFrames,
                         CheckedDecordInit, ClipColorJitter, ClipGaussianBlur,
                         ClipRandomGrayscale, ClipRandomSolarize,
                         CVRLSampleFrames, FramePackInit, GridAggregate,
                         LoadFramePhaseLabels, PerView, PerViewOnDevice,
                         TemporalMultiView, UniqueFrameReader, VideoInit)
from .video_caption_dataset import VideoCaptionDataset

__all__ = [
    'BaseMultiViewSampler', 'CARLSampleFrames', 'CVRLSampleFrames',
    'LoadFramePhaseLabels', 'CheckedDecordInit', 'ClipColorJitter',
    'ClipGaussianBlur', 'ClipRandomGrayscale', 'ClipRandomSolarize',
    'FramePackInit', 'GlobalBatchSampler', 'GridAggregate',
    'SkipUnreadableSamples', 'PerView', 'PerViewOnDevice', 'TemporalMultiView',
    'UniqueFrameReader', 'VideoCaptionDataset', 'VideoInit'
]
