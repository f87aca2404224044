from .frame_encoder import FrameTransformerEncoder
from .vivit import ViViT

__all__ = ['FrameTransformerEncoder', 'ViViT']
