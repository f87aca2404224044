from .supcon_head import SupConHead

__all__ = ['SupConHead']
