import mmaction.models  # noqa: F401  (fills MMAction2's registries first)

from .algorithms import CVRL, BaseContrastiveRecognizer, SCFARecognizer
from .backbones import ViViT
from .heads import LinearProbeHead, SupConHead
from .losses import SupConLoss
from .necks import ProjectionNeck

__all__ = [
    'BaseContrastiveRecognizer', 'CVRL', 'LinearProbeHead', 'ProjectionNeck',
    'SCFARecognizer', 'SupConHead', 'SupConLoss', 'ViViT'
]
