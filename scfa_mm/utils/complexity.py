"""Parameters, FLOPs and latency of MMAction2 recognizers, per video."""
import statistics
import time
from typing import Any, Dict, List, Sequence

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape
from torch import nn


def attention_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """FLOPs of ``aten::scaled_dot_product_attention`` (which MMEngine's
    counter skips): ``Q K^T`` and ``A V``, one multiply-add each, for
    ``q (..., N, d)``, ``k (..., M, d)``, ``v (..., M, d_v)``."""
    query, key, value = (get_shape(v) for v in inputs[:3])
    batch = 1
    for size in query[:-2]:
        batch *= size
    num_queries, dims = query[-2:]
    return batch * num_queries * key[-2] * (dims + value[-1])


class VideoClassScores(nn.Module):
    """A recognizer's class scores for raw video inputs, for the counters.

    ``forward`` takes the recognizer's normalised input of one or more
    videos, ``(B, V, ...)`` (``V`` grids, segments or clips), and returns
    the class scores of ``mode='tensor', stage='head'``: the backbone and
    head of ``predict`` without the data preprocessor and the averaging.
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.recognizer(inputs, mode='tensor', stage='head')


def video_complexity(recognizer: nn.Module,
                     input_shape: Sequence[int]) -> Dict[str, float]:
    """Parameters (millions) and GFLOPs for one video.

    Args:
        recognizer (nn.Module): An MMAction2 recognizer.
        input_shape (Sequence[int]): One video's input, ``(V, ...)``.

    Returns:
        dict: ``params_m`` and ``gflops`` (MMEngine's counter, one
        multiply-add is one FLOP, with fused attention counted too).
    """
    recognizer.eval()
    analyzer = FlopAnalyzer(
        VideoClassScores(recognizer), (torch.zeros(1, *input_shape), ))
    analyzer.set_op_handle('aten::scaled_dot_product_attention',
                           attention_flop_jit)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    params = sum(p.numel() for p in recognizer.parameters())
    return dict(params_m=params / 1e6, gflops=analyzer.total() / 1e9)


@torch.no_grad()
def median_latency(recognizer: nn.Module,
                   input_shape: Sequence[int],
                   runs: int = 5) -> float:
    """Median seconds of a batch-1 forward over ``runs`` runs (after one
    warm-up run)."""
    recognizer.eval()
    scores = VideoClassScores(recognizer)
    inputs = torch.randn(1, *input_shape)
    scores(inputs)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        scores(inputs)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)
