"""A word-level caption vocabulary, built from the training captions."""
from collections import Counter
from typing import Iterable, List, Optional, Sequence

import torch

from ...datasets.caption_text import tokenize_caption

PAD, BOS, EOS, UNK = '<pad>', '<bos>', '<eos>', '<unk>'
SPECIAL_TOKENS = (PAD, BOS, EOS, UNK)


class CaptionVocabulary:
    """Words to ids and back, with padding, sentence start / end and
    unknown-word tokens (ids 0-3).

    Args:
        words (Sequence[str]): The ordinary words, in id order (their ids
            start at 4). Usually built by :meth:`from_captions`.
    """

    def __init__(self, words: Sequence[str]) -> None:
        words = list(words)
        clashes = sorted(set(words) & set(SPECIAL_TOKENS))
        if clashes:
            raise ValueError(f'{clashes} are special tokens, not words')
        if len(set(words)) != len(words):
            repeated = sorted(w for w, n in Counter(words).items() if n > 1)
            raise ValueError(f'words listed twice: {repeated[:10]}')
        self.tokens = list(SPECIAL_TOKENS) + words
        self._ids = {token: i for i, token in enumerate(self.tokens)}
        self.pad_id, self.bos_id, self.eos_id, self.unk_id = range(4)

    @classmethod
    def from_captions(cls,
                      captions: Iterable[str],
                      min_count: int = 1,
                      max_words: Optional[int] = None) -> 'CaptionVocabulary':
        """The words of ``captions`` seen at least ``min_count`` times,
        most frequent first (ties in alphabetical order, so that the same
        captions always give the same ids); at most ``max_words``."""
        counts = Counter(
            word for caption in captions for word in tokenize_caption(caption))
        if not counts:
            raise ValueError('no words in the captions to build a '
                             'vocabulary from')
        words = [
            word for word, count in sorted(
                counts.items(), key=lambda item: (-item[1], item[0]))
            if count >= min_count
        ]
        return cls(words[:max_words])

    @property
    def words(self) -> List[str]:
        """The ordinary words, in id order (what is saved)."""
        return self.tokens[len(SPECIAL_TOKENS):]

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CaptionVocabulary) and \
            self.tokens == other.tokens

    def __repr__(self) -> str:
        return f'{type(self).__name__}({len(self.words)} words)'

    def encode(self, caption: str, max_length: int) -> List[int]:
        """``<bos> w1 ... wn <eos>``; words beyond ``max_length - 2`` are
        cut (the end token stays), unknown words become ``<unk>``."""
        if max_length < 3:
            raise ValueError(f'max_length must be at least 3 (<bos>, a word, '
                             f'<eos>), got {max_length}')
        ids = [
            self._ids.get(word, self.unk_id)
            for word in tokenize_caption(caption)
        ]
        return [self.bos_id] + ids[:max_length - 2] + [self.eos_id]

    def encode_batch(self, captions: Sequence[str],
                     max_length: int) -> torch.Tensor:
        """Encoded captions, padded with ``<pad>`` to the longest.

        Returns:
            torch.Tensor: ``(len(captions), L)`` int64, ``L <= max_length``.
        """
        encoded = [self.encode(caption, max_length) for caption in captions]
        longest = max(len(ids) for ids in encoded)
        batch = torch.full((len(encoded), longest), self.pad_id)
        for row, ids in enumerate(encoded):
            batch[row, :len(ids)] = torch.tensor(ids)
        return batch

    def decode(self, ids: Iterable[int]) -> str:
        """Words up to the first ``<eos>``, joined by spaces; ``<bos>`` and
        ``<pad>`` are left out, ``<unk>`` is kept as such."""
        words = []
        for token_id in ids:
            token_id = int(token_id)
            if token_id == self.eos_id:
                break
            if token_id in (self.pad_id, self.bos_id):
                continue
            words.append(self.tokens[token_id])
        return ' '.join(words)
