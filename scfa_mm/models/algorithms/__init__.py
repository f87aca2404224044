from .base import BaseContrastiveRecognizer
from .scfa import SCFARecognizer

__all__ = ['BaseContrastiveRecognizer', 'SCFARecognizer']
