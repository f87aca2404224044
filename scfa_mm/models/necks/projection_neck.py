"""The projection MLP of contrastive methods."""
from typing import List

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from ...utils.arguments import check_int


@MODELS.register_module()
class ProjectionNeck(BaseModule):
    """An MLP from pooled features to the contrastive embedding space.

    ``num_layers`` linear layers; every layer but the last is followed by
    ReLU (and BatchNorm before it with ``with_bn``)::

        SCFA (SupCon):  2048 -> 2048 -> ReLU -> 128
        CVRL:           2048 -> 2048 -> BN -> ReLU -> 2048 -> BN -> ReLU
                        -> 128 (-> BN with ``with_last_bn``)

    The output is not normalised: the algorithm L2-normalises it.

    Args:
        in_channels (int): Input features ``C``.
        hidden_channels (int): Width of the hidden layers.
        out_channels (int): Embedding size ``D``. Defaults to 128.
        num_layers (int): Linear layers, >= 1. Defaults to 2.
        with_bn (bool): BatchNorm after every hidden linear layer (whose
            bias it makes redundant). Defaults to False.
        with_last_bn (bool): BatchNorm (without affine parameters, as in
            SimCLR v2 and CVRL) after the last layer. Defaults to False.
        init_cfg (dict, optional): Initialisation config. Defaults to None:
            PyTorch's default (Kaiming-uniform) init, as the SupCon
            reference code uses.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int,
                 out_channels: int = 128,
                 num_layers: int = 2,
                 with_bn: bool = False,
                 with_last_bn: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_int(
            'ProjectionNeck',
            in_channels=in_channels,
            hidden_channels=hidden_channels,
            out_channels=out_channels,
            num_layers=num_layers)
        layers: List[nn.Module] = []
        width = in_channels
        for _ in range(num_layers - 1):
            layers.append(nn.Linear(width, hidden_channels, bias=not with_bn))
            if with_bn:
                layers.append(nn.BatchNorm1d(hidden_channels))
            layers.append(nn.ReLU(inplace=True))
            width = hidden_channels
        layers.append(nn.Linear(width, out_channels, bias=not with_last_bn))
        if with_last_bn:
            layers.append(nn.BatchNorm1d(out_channels, affine=False))
        self.mlp = nn.Sequential(*layers)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C)`` pooled features -> ``(N, D)`` projections."""
        return self.mlp(x)
