import mmaction.models  # noqa: F401  (fills MMAction2's registries first)

from .backbones import ViViT
from .heads import SupConHead
from .losses import SupConLoss
from .recognizers import SCFARecognizer

__all__ = ['SCFARecognizer', 'SupConHead', 'SupConLoss', 'ViViT']
