from .caption_decoder import CaptionTransformerDecoder
from .grid_captioner import (GridCaptioner, build_vocabulary,
                             vocabulary_from_checkpoint)
from .vocabulary import CaptionVocabulary

__all__ = [
    'CaptionTransformerDecoder', 'CaptionVocabulary', 'GridCaptioner',
    'build_vocabulary', 'vocabulary_from_checkpoint'
]
