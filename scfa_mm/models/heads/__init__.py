from .device_loss import DeviceLossMixin
from .linear_probe_head import LinearProbeHead
from .sequence_contrastive_head import SequenceContrastiveHead
from .supcon_head import SupConHead
from .vivit_head import ViViTHead

__all__ = [
    'DeviceLossMixin', 'LinearProbeHead', 'SequenceContrastiveHead',
    'SupConHead', 'ViViTHead'
]
