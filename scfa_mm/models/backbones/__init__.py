from .frame_encoder import FrameTransformerEncoder
from .resnet3d_tf_same import (ResNet3dSlowOnlyTFSame, TFSameConv3d,
                               TFSameMaxPool3d, convert_to_tf_same_padding,
                               tf_same_padding)
from .vivit import ViViT

__all__ = [
    'FrameTransformerEncoder', 'ResNet3dSlowOnlyTFSame', 'TFSameConv3d',
    'TFSameMaxPool3d', 'ViViT', 'convert_to_tf_same_padding', 'tf_same_padding'
]
