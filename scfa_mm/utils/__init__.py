from .mmaction_compat import patch_missing_drn

__all__ = ['patch_missing_drn']
