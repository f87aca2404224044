from .l2_normalize_neck import L2NormalizeNeck
from .projection_neck import ProjectionNeck

__all__ = ['L2NormalizeNeck', 'ProjectionNeck']
