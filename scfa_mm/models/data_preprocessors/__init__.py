from .clip_augment_data_preprocessor import ClipAugmentDataPreprocessor

__all__ = ['ClipAugmentDataPreprocessor']
