"""TensorFlow's ``'same'`` padding for MMAction2's 3D ResNets.

TensorFlow pads a ``'same'`` convolution or pooling of a size-``n`` axis
with kernel ``k`` and stride ``s`` by ``max((ceil(n / s) - 1) * s + k - n,
0)`` in all, half of it (rounded down) before and the rest after: for a
stride of 2 on an even size the padding is odd and the extra cell goes to
the end (right, bottom, last frame). PyTorch pads both sides alike, so a
network with weights trained in TensorFlow gives other outputs in PyTorch
at such sizes (224 or 256 pixels, 16 or 32 frames). The layers here pad as
TensorFlow does, from the size of each input.
"""
import math
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmaction.models.backbones import ResNet3dSlowOnly
from mmaction.registry import MODELS
from mmcv.cnn.bricks import wrappers
from torch import nn
from torch.nn.modules.utils import _triple

# layers that the conversion may replace: PyTorch's and the MMCV wrappers
# that ConvModule builds (they differ from PyTorch's on empty inputs only)
PLAIN_LAYERS = (nn.Conv3d, nn.MaxPool3d, wrappers.Conv3d, wrappers.MaxPool3d)


def tf_same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int]:
    """Padding of one axis under TensorFlow's ``'same'`` rule.

    Args:
        size (int): Input length ``n`` of the axis.
        kernel (int): Kernel length ``k`` (dilation 1).
        stride (int): Stride ``s``.

    Returns:
        tuple[int, int]: ``(before, after)`` with ``before + after =
        max((ceil(n / s) - 1) * s + k - n, 0)`` and ``before = (before +
        after) // 2``; the output length is then ``ceil(n / s)``.
    """
    if size < 1 or kernel < 1 or stride < 1:
        raise ValueError(f'size, kernel and stride must be positive, got '
                         f'{size}, {kernel}, {stride}')
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _tf_same_pad(x: torch.Tensor, kernel: Sequence[int], stride: Sequence[int],
                 value: float) -> torch.Tensor:
    """Pads the last three axes of ``x`` ``(N, C, T, H, W)`` as TensorFlow's
    ``'same'`` would for a ``kernel`` and ``stride`` ``(t, h, w)``."""
    pads = [
        tf_same_padding(size, k, s)
        for size, k, s in zip(x.shape[-3:], kernel, stride)
    ]
    if not any(before or after for before, after in pads):
        return x
    # F.pad lists the last axis first: (w0, w1, h0, h1, t0, t1)
    flat = [amount for pad in reversed(pads) for amount in pad]
    return F.pad(x, flat, value=value)


class TFSameConv3d(nn.Conv3d):
    """A ``nn.Conv3d`` with TensorFlow's ``'same'`` padding, computed from
    each input's size (zeros, as TensorFlow pads a convolution).

    Construct it as a ``nn.Conv3d`` with ``padding=0`` and dilation 1.

    Shape:
        - Input: ``(N, C_in, T, H, W)``.
        - Output: ``(N, C_out, ceil(T / s_t), ceil(H / s_h),
          ceil(W / s_w))``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if any(self.padding) or any(d != 1 for d in self.dilation):
            raise ValueError(f'TFSameConv3d pads by itself: needs padding=0 '
                             f'and dilation=1, got padding={self.padding}, '
                             f'dilation={self.dilation}')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pads ``x`` ``(N, C_in, T, H, W)`` as TensorFlow would, then
        convolves without padding."""
        return super().forward(
            _tf_same_pad(x, self.kernel_size, self.stride, 0.))


class TFSameMaxPool3d(nn.MaxPool3d):
    """A ``nn.MaxPool3d`` with TensorFlow's ``'same'`` padding, computed from
    each input's size: padded cells are ``-inf``, so that, as in TensorFlow,
    they never win the maximum.

    Construct it as a ``nn.MaxPool3d`` with ``padding=0``, dilation 1 and
    ``ceil_mode=False``.

    Shape:
        - Input: ``(N, C, T, H, W)``.
        - Output: ``(N, C, ceil(T / s_t), ceil(H / s_h), ceil(W / s_w))``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kernel_size = _triple(self.kernel_size)
        self.stride = _triple(self.stride)
        if (any(_triple(self.padding))
                or any(d != 1 for d in _triple(self.dilation))
                or self.ceil_mode or self.return_indices):
            raise ValueError(
                f'TFSameMaxPool3d pads by itself: needs padding=0, '
                f'dilation=1, ceil_mode=False and return_indices=False, got '
                f'padding={self.padding}, dilation={self.dilation}, '
                f'ceil_mode={self.ceil_mode}, '
                f'return_indices={self.return_indices}')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pads ``x`` ``(N, C, T, H, W)`` with ``-inf`` as TensorFlow's
        ``'same'`` would, then pools without padding."""
        return super().forward(
            _tf_same_pad(x, self.kernel_size, self.stride, float('-inf')))


def _check_symmetric_same(name: str, layer: nn.Module) -> None:
    """A strided layer may be rewired only if it is PyTorch's counterpart of
    a ``'same'`` layer: padding ``(k - 1) // 2`` on every axis, dilation
    1."""
    kernel = _triple(layer.kernel_size)
    padding = _triple(layer.padding)
    dilation = _triple(layer.dilation)
    expected = tuple((k - 1) // 2 for k in kernel)
    if padding != expected or dilation != (1, 1, 1):
        raise ValueError(
            f'{name}: only a layer padded by (kernel - 1) // 2 = {expected} '
            f'with dilation 1 is the counterpart of a TensorFlow "same" '
            f'layer; got padding={padding}, dilation={dilation}')
    if isinstance(layer, nn.Conv3d) and layer.padding_mode != 'zeros':
        raise ValueError(f'{name}: padding_mode must be "zeros", got '
                         f'{layer.padding_mode!r}')
    if isinstance(layer, nn.MaxPool3d) and (layer.ceil_mode
                                            or layer.return_indices):
        raise ValueError(f'{name}: ceil_mode and return_indices must be '
                         f'False')


def _tf_same_copy(layer: nn.Module) -> nn.Module:
    """The TensorFlow-padded twin of a ``nn.Conv3d`` or ``nn.MaxPool3d``,
    sharing its parameters."""
    if isinstance(layer, nn.Conv3d):
        twin = TFSameConv3d(
            layer.in_channels,
            layer.out_channels,
            layer.kernel_size,
            stride=layer.stride,
            padding=0,
            groups=layer.groups,
            bias=layer.bias is not None,
            device=layer.weight.device,
            dtype=layer.weight.dtype)
        twin.weight = layer.weight
        twin.bias = layer.bias
        return twin
    return TFSameMaxPool3d(layer.kernel_size, stride=layer.stride)


def convert_to_tf_same_padding(module: nn.Module) -> List[str]:
    """Makes every strided ``nn.Conv3d`` and ``nn.MaxPool3d`` in ``module``
    pad as TensorFlow's ``'same'`` (in place; parameters are kept, so are
    the state dict keys).

    Stride-1 layers with odd kernels are left alone: TensorFlow pads them
    by ``(k - 1) // 2`` on both sides, as PyTorch does.

    Args:
        module (nn.Module): A network whose strided 3D convolutions and max
            poolings are padded by ``(kernel - 1) // 2`` (PyTorch's
            counterpart of ``'same'``), e.g. a ``ResNet3dSlowOnly``.

    Returns:
        list[str]: The names of the converted layers.
    """
    converted = []
    for name, layer in list(module.named_modules()):
        if (not isinstance(layer, (nn.Conv3d, nn.MaxPool3d))
                or isinstance(layer, (TFSameConv3d, TFSameMaxPool3d))
                or all(s == 1 for s in _triple(layer.stride))):
            continue
        if type(layer) not in PLAIN_LAYERS:
            # a subclass may compute more than a plain layer: the twin
            # would silently drop it
            raise TypeError(f'{name}: cannot give a {type(layer).__name__} '
                            f'TensorFlow padding; known layers: '
                            f'{[t.__name__ for t in PLAIN_LAYERS]}')
        _check_symmetric_same(name, layer)
        parent_name, _, child_name = name.rpartition('.')
        parent = module.get_submodule(parent_name)
        setattr(parent, child_name, _tf_same_copy(layer))
        converted.append(name)
    return converted


@MODELS.register_module()
class ResNet3dSlowOnlyTFSame(ResNet3dSlowOnly):
    """``ResNet3dSlowOnly`` that pads its strided layers as TensorFlow's
    ``'same'`` does: for weights trained in TensorFlow, such as the CVRL
    release's R3D-50 converted by
    ``tools/convert/cvrl_release_checkpoint.py``.

    In the R3D-50 these are the stem convolution, the stem max pool
    (padded with ``-inf``), the stride-2 spatial 3x3 convolution of the
    first block of res3, res4 and res5 and their 1x1 shortcut convolutions
    (which need no padding in either framework). Same arguments, parameters
    and state dict keys as ``ResNet3dSlowOnly``.

    Shape:
        - Input: ``(N, 3, T, H, W)``.
        - Output: ``(N, C, ceil(T / s_t), ceil(H / 32), ceil(W / 32))``,
          ``s_t`` the product of the temporal strides, where
          ``ResNet3dSlowOnly`` has the same size but, at sizes where
          TensorFlow pads one side more, other values.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tf_same_layers = convert_to_tf_same_padding(self)
