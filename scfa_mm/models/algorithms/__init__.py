from .base import BaseContrastiveRecognizer
from .carl import CARL
from .cvrl import CVRL
from .scfa import SCFARecognizer

__all__ = ['BaseContrastiveRecognizer', 'CARL', 'CVRL', 'SCFARecognizer']
