from .vivit import ViViT

__all__ = ['ViViT']
