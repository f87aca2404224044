"""The one word splitter of captions: the vocabulary, the caption metrics
and the data tools all cut a caption into the same words."""
import re
from typing import List

# Lower-case words and numbers; an apostrophe inside a word keeps it whole
# ("man's", "isn't"). Everything else (punctuation, hyphens) separates
# words and is dropped, as the COCO caption evaluation drops punctuation.
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def tokenize_caption(caption: str) -> List[str]:
    """Split a caption into lower-case words, without punctuation.

    Args:
        caption (str): Free text, e.g. ``'A red circle moves to the LEFT.'``.

    Returns:
        List[str]: e.g. ``['a', 'red', 'circle', 'moves', 'to', 'the',
        'left']``.
    """
    if not isinstance(caption, str):
        raise TypeError(f'a caption must be a str, got '
                        f'{type(caption).__name__}: {caption!r}')
    return _WORD.findall(caption.lower())
