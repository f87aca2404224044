from .scfa_recognizer import SCFARecognizer

__all__ = ['SCFARecognizer']
