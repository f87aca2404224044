"""A small Transformer text decoder that writes a caption while attending
to visual tokens, with greedy and beam search."""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ...utils.arguments import check_int, check_number


@MODELS.register_module()
class CaptionTransformerDecoder(BaseModule):
    """Pre-norm Transformer decoder layers (torch's) over word embeddings
    with learned positions; every layer attends causally to the words
    before it and fully to the visual tokens. The output projection shares
    the word embedding's weights.

    Args:
        vocab_size (int): Words and special tokens; the captioner sets it
            from its vocabulary.
        embed_dims (int): Width of words, visual tokens and layers.
        num_layers (int): Decoder layers.
        num_heads (int): Attention heads.
        feedforward_channels (int): Hidden width of the feed-forward
            blocks.
        dropout (float): Dropout in attention, feed-forward and on the
            embeddings.
        max_length (int): The longest token sequence, ``<bos>`` and
            ``<eos>`` included.
        pad_id, bos_id, eos_id (int): The special tokens' ids.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 vocab_size: int,
                 embed_dims: int = 256,
                 num_layers: int = 2,
                 num_heads: int = 4,
                 feedforward_channels: int = 1024,
                 dropout: float = 0.1,
                 max_length: int = 24,
                 pad_id: int = 0,
                 bos_id: int = 1,
                 eos_id: int = 2,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        owner = type(self).__name__
        check_int(owner, minimum=4, vocab_size=vocab_size)
        check_int(
            owner,
            embed_dims=embed_dims,
            num_layers=num_layers,
            num_heads=num_heads,
            feedforward_channels=feedforward_channels)
        check_int(owner, minimum=3, max_length=max_length)
        check_number(owner, 'dropout', dropout, minimum=0, maximum=1)
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims ({embed_dims}) must be divisible '
                             f'by num_heads ({num_heads})')
        self.vocab_size = vocab_size
        self.embed_dims = embed_dims
        self.max_length = max_length
        self.pad_id, self.bos_id, self.eos_id = pad_id, bos_id, eos_id
        self.word_embedding = nn.Embedding(
            vocab_size, embed_dims, padding_idx=pad_id)
        self.position_embedding = nn.Parameter(
            torch.zeros(max_length, embed_dims))
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerDecoderLayer(
            embed_dims,
            num_heads,
            dim_feedforward=feedforward_channels,
            dropout=dropout,
            activation='gelu',
            batch_first=True,
            norm_first=True)
        self.layers = nn.TransformerDecoder(layer, num_layers)
        self.norm = nn.LayerNorm(embed_dims)

    def init_weights(self) -> None:
        super().init_weights()
        nn.init.normal_(self.word_embedding.weight, std=0.02)
        with torch.no_grad():
            self.word_embedding.weight[self.pad_id].zero_()
        nn.init.normal_(self.position_embedding, std=0.02)

    def forward(
            self,
            tokens: torch.Tensor,
            memory: torch.Tensor,
            memory_padding_mask: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        """Next-word logits at every position.

        Args:
            tokens (torch.Tensor): ``(N, L)`` token ids, ``<bos>`` first,
                ``L <= max_length``.
            memory (torch.Tensor): ``(N, S, embed_dims)`` visual tokens.
            memory_padding_mask (torch.Tensor, optional): ``(N, S)``, True
                where a visual token is padding.

        Returns:
            torch.Tensor: ``(N, L, vocab_size)``; position ``i`` depends on
            ``tokens[:, :i + 1]`` only.
        """
        length = tokens.size(1)
        if length > self.max_length:
            raise ValueError(f'{length} tokens exceed the decoder\'s '
                             f'max_length ({self.max_length})')
        words = self.word_embedding(tokens) * math.sqrt(self.embed_dims)
        hidden = self.dropout(words + self.position_embedding[:length])
        # True: may not attend (a later word, or padding)
        causal_mask = torch.ones(
            length, length, dtype=torch.bool, device=tokens.device).triu(1)
        hidden = self.layers(
            hidden,
            memory,
            tgt_mask=causal_mask,
            tgt_is_causal=True,
            tgt_key_padding_mask=tokens == self.pad_id,
            memory_key_padding_mask=memory_padding_mask)
        return self.norm(hidden) @ self.word_embedding.weight.t()

    def _next_log_probs(self, tokens: torch.Tensor,
                        memory: torch.Tensor) -> torch.Tensor:
        """``(N, vocab_size)`` log-probabilities of the next word; padding
        and a second ``<bos>`` are never chosen."""
        logits = self(tokens, memory)[:, -1].float()
        logits[:, [self.pad_id, self.bos_id]] = float('-inf')
        return logits.log_softmax(-1)

    @torch.no_grad()
    def greedy_search(self,
                      memory: torch.Tensor,
                      max_length: Optional[int] = None) -> torch.Tensor:
        """The most likely word at every step.

        Args:
            memory (torch.Tensor): ``(N, S, embed_dims)`` visual tokens.
            max_length (int, optional): Longest output, ``<bos>`` and
                ``<eos>`` included; default ``self.max_length``.

        Returns:
            torch.Tensor: ``(N, L)`` token ids starting with ``<bos>``;
            after ``<eos>`` only ``<pad>``.
        """
        max_length = self._check_length(max_length)
        tokens = memory.new_full((memory.size(0), 1),
                                 self.bos_id,
                                 dtype=torch.long)
        finished = torch.zeros(
            memory.size(0), dtype=torch.bool, device=memory.device)
        for _ in range(max_length - 1):
            next_word = self._next_log_probs(tokens, memory).argmax(-1)
            next_word = next_word.masked_fill(finished, self.pad_id)
            tokens = torch.cat([tokens, next_word[:, None]], dim=1)
            finished |= next_word == self.eos_id
            if finished.all():
                break
        return tokens

    @torch.no_grad()
    def beam_search(self,
                    memory: torch.Tensor,
                    beam_size: int,
                    max_length: Optional[int] = None,
                    length_penalty: float = 1.0) -> torch.Tensor:
        """The best of ``beam_size`` hypotheses kept at every step.

        Hypotheses are ranked by their summed log-probability while they
        grow; the finished ones by the sum divided by ``length **
        length_penalty`` (length counting the words and ``<eos>``; 0 ranks
        by the sum, which favours short captions). With ``beam_size=1`` it
        is :meth:`greedy_search`.

        Args:
            memory (torch.Tensor): ``(N, S, embed_dims)`` visual tokens.
            beam_size (int): Hypotheses kept per video.
            max_length (int, optional): As in :meth:`greedy_search`.
            length_penalty (float): The exponent above.

        Returns:
            torch.Tensor: ``(N, L)`` token ids, as :meth:`greedy_search`.
        """
        check_int(type(self).__name__, beam_size=beam_size)
        max_length = self._check_length(max_length)
        num_videos, beams = memory.size(0), beam_size
        memory = memory.repeat_interleave(beams, dim=0)
        tokens = memory.new_full((num_videos * beams, 1),
                                 self.bos_id,
                                 dtype=torch.long)
        # only the first beam starts alive, or all beams would be the same
        scores = memory.new_full((num_videos, beams), float('-inf'))
        scores[:, 0] = 0
        finished = torch.zeros(
            num_videos * beams, dtype=torch.bool, device=memory.device)
        lengths = torch.zeros(num_videos * beams, device=memory.device)
        for _ in range(max_length - 1):
            log_probs = self._next_log_probs(tokens, memory)
            # a finished hypothesis only grows padding, at no cost
            log_probs[finished] = float('-inf')
            log_probs[finished, self.pad_id] = 0
            candidates = scores.view(-1, 1) + log_probs
            scores, best = candidates.view(num_videos, -1).topk(beams, dim=1)
            source = (best // self.vocab_size +
                      torch.arange(num_videos, device=memory.device)[:, None] *
                      beams).view(-1)
            next_word = (best % self.vocab_size).view(-1)
            tokens = torch.cat([tokens[source], next_word[:, None]], dim=1)
            was_finished = finished[source]
            lengths = lengths[source] + (~was_finished).float()
            finished = was_finished | (next_word == self.eos_id)
            if finished.all():
                break
        ranked = scores.view(-1) / lengths.clamp(min=1)**length_penalty
        choice = ranked.view(num_videos, beams).argmax(dim=1)
        return tokens.view(num_videos, beams, -1)[torch.arange(num_videos),
                                                  choice]

    def _check_length(self, max_length: Optional[int]) -> int:
        if max_length is None:
            return self.max_length
        check_int(type(self).__name__, minimum=2, max_length=max_length)
        if max_length > self.max_length:
            raise ValueError(f'{type(self).__name__}: max_length '
                             f'{max_length} exceeds the learned positions '
                             f'({self.max_length})')
        return max_length
