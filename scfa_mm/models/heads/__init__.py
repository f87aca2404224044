from .linear_probe_head import LinearProbeHead
from .supcon_head import SupConHead

__all__ = ['LinearProbeHead', 'SupConHead']
