import mmaction.models  # noqa: F401  (fills MMAction2's registries first)

from .algorithms import CARL, CVRL, BaseContrastiveRecognizer, SCFARecognizer
from .data_preprocessors import ClipAugmentDataPreprocessor
from .backbones import FrameTransformerEncoder, ResNet3dSlowOnlyTFSame, ViViT
from .heads import LinearProbeHead, SequenceContrastiveHead, SupConHead
from .losses import SequenceContrastiveLoss, SupConLoss
from .necks import L2NormalizeNeck, ProjectionNeck

__all__ = [
    'BaseContrastiveRecognizer', 'CARL', 'ClipAugmentDataPreprocessor', 'CVRL',
    'FrameTransformerEncoder', 'L2NormalizeNeck', 'LinearProbeHead',
    'ProjectionNeck', 'SCFARecognizer', 'ResNet3dSlowOnlyTFSame',
    'SequenceContrastiveHead', 'SequenceContrastiveLoss', 'SupConHead',
    'SupConLoss', 'ViViT'
]
