from .distributed import (all_gather_with_grad, check_same_rows,
                          global_instance_ids)
from .memory_format import channels_last_format, to_channels_last

__all__ = [
    'all_gather_with_grad', 'channels_last_format', 'check_same_rows',
    'global_instance_ids', 'to_channels_last'
]
