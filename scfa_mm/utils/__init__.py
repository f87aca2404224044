from .complexity import VideoClassScores, median_latency, video_complexity
from .mmaction_compat import patch_missing_drn
from .runtime import (adapt_to_available_device, add_runner_arguments,
                      allow_full_checkpoint_loading, check_data_exists,
                      load_runner_config, run_runner)

__all__ = [
    'VideoClassScores', 'adapt_to_available_device', 'add_runner_arguments',
    'allow_full_checkpoint_loading', 'check_data_exists', 'load_runner_config',
    'median_latency', 'patch_missing_drn', 'run_runner', 'video_complexity'
]
