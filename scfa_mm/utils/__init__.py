from .build import build_untrained_model, read_test_dump
from .checkpoint import (allow_mmengine_checkpoint_globals,
                         load_checkpoint_file, use_checkpoint_loader)
from .complexity import VideoClassScores, median_latency, video_complexity
from .mmaction_compat import patch_missing_drn
from .runtime import (KnownLogNoiseFilter, adapt_to_available_device,
                      check_data_exists, check_labels)

__all__ = [
    'KnownLogNoiseFilter', 'VideoClassScores', 'build_untrained_model',
    'read_test_dump', 'adapt_to_available_device', 'use_checkpoint_loader',
    'allow_mmengine_checkpoint_globals', 'load_checkpoint_file',
    'check_data_exists', 'check_labels', 'median_latency', 'patch_missing_drn',
    'video_complexity'
]
