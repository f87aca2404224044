from .mmaction_compat import patch_missing_drn
from .runtime import adapt_to_available_device, allow_full_checkpoint_loading

__all__ = [
    'adapt_to_available_device', 'allow_full_checkpoint_loading',
    'patch_missing_drn'
]
