"""Channels-last memory format for 2D and 3D convolutions."""
import torch
from torch import nn


def channels_last_format(dim: int) -> torch.memory_format:
    """``channels_last`` for 4-d tensors ``(N, C, H, W)``,
    ``channels_last_3d`` for 5-d ones ``(N, C, T, H, W)``."""
    if dim == 4:
        return torch.channels_last
    if dim == 5:
        return torch.channels_last_3d
    raise ValueError(f'channels-last needs a 4-d or 5-d tensor, got {dim}-d')


def to_channels_last(module: nn.Module) -> nn.Module:
    """Store every 4-d and 5-d parameter and buffer of ``module`` (2D and
    3D convolution weights) channels-last, in place.

    ``Module.to(memory_format=torch.channels_last)`` refuses 5-d weights;
    this gives them ``channels_last_3d``. A convolution whose weight is
    channels-last produces channels-last outputs whatever its input's
    format, so the whole backbone runs channels-last.

    Returns:
        nn.Module: ``module``.
    """

    def convert(tensor: torch.Tensor) -> torch.Tensor:
        if tensor.dim() in (4, 5):
            return tensor.contiguous(
                memory_format=channels_last_format(tensor.dim()))
        return tensor

    return module._apply(convert)
