import mmaction.models  # noqa: F401  (fills MMAction2's registries first)

from .algorithms import CARL, CVRL, BaseContrastiveRecognizer, SCFARecognizer
from .backbones import FrameTransformerEncoder, ResNet3dSlowOnlyTFSame, ViViT
from .captioners import (CaptionTransformerDecoder, CaptionVocabulary,
                         GridCaptioner)
from .data_preprocessors import ClipAugmentDataPreprocessor
from .heads import LinearProbeHead, SequenceContrastiveHead, SupConHead
from .losses import SequenceContrastiveLoss, SupConLoss
from .necks import L2NormalizeNeck, ProjectionNeck

__all__ = [
    'BaseContrastiveRecognizer', 'CaptionTransformerDecoder',
    'CaptionVocabulary', 'CARL', 'ClipAugmentDataPreprocessor', 'CVRL',
    'GridCaptioner', 'FrameTransformerEncoder', 'L2NormalizeNeck',
    'LinearProbeHead', 'ProjectionNeck', 'SCFARecognizer',
    'ResNet3dSlowOnlyTFSame', 'SequenceContrastiveHead',
    'SequenceContrastiveLoss', 'SupConHead', 'SupConLoss', 'ViViT'
]
