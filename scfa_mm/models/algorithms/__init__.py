from .base import BaseContrastiveRecognizer
from .cvrl import CVRL
from .scfa import SCFARecognizer

__all__ = ['BaseContrastiveRecognizer', 'CVRL', 'SCFARecognizer']
