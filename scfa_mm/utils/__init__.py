from .complexity import VideoClassScores, median_latency, video_complexity
from .mmaction_compat import patch_missing_drn
from .runtime import (adapt_to_available_device, allow_full_checkpoint_loading,
                      check_data_exists)

__all__ = [
    'VideoClassScores', 'adapt_to_available_device',
    'allow_full_checkpoint_loading', 'check_data_exists', 'median_latency',
    'patch_missing_drn', 'video_complexity'
]
