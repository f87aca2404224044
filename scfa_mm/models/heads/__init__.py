from .device_loss import DeviceLossMixin
from .linear_probe_head import LinearProbeHead
from .sequence_contrastive_head import SequenceContrastiveHead
from .supcon_head import SupConHead
from .tsn_head_on_device import TSNHeadOnDevice
from .vivit_head import ViViTHead

__all__ = [
    'DeviceLossMixin', 'LinearProbeHead', 'SequenceContrastiveHead',
    'SupConHead', 'TSNHeadOnDevice', 'ViViTHead'
]
