"""A linear classifier on pooled features (online or offline probe)."""
from typing import Optional

import torch
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmengine.model.weight_init import normal_init
from torch import nn

from ...utils.arguments import check_int
from .device_loss import DeviceLossMixin


@MODELS.register_module()
class LinearProbeHead(DeviceLossMixin, BaseHead):
    """One linear layer from pooled features to class scores.

    Label smoothing, multi-class targets and the averaging of the views'
    scores at test time (``average_clips``) are MMAction2's
    :class:`BaseHead`'s; the loss and accuracy are computed on the device
    (:class:`DeviceLossMixin`). Whether the features it sees are detached
    (a linear probe) is the algorithm's decision.

    Args:
        num_classes (int): Number of classes ``K``.
        in_channels (int): Feature size ``C``.
        dropout_ratio (float): Dropout before the layer. Defaults to 0.
        init_std (float): Std of the normal init of the layer.
            Defaults to 0.01.
        average_clips (str, optional): ``'prob'``, ``'score'`` or None.
            Defaults to 'prob'.
        kwargs: Other arguments of :class:`BaseHead` (``loss_cls``,
            ``topk``, ``label_smooth_eps``, ``multi_class`` ...).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 dropout_ratio: float = 0.0,
                 init_std: float = 0.01,
                 average_clips: Optional[str] = 'prob',
                 **kwargs) -> None:
        super().__init__(
            num_classes, in_channels, average_clips=average_clips, **kwargs)
        check_int('LinearProbeHead', num_classes=num_classes)
        if not 0 <= dropout_ratio < 1:
            raise ValueError('LinearProbeHead: dropout_ratio must be in '
                             f'[0, 1), got {dropout_ratio!r}')
        self.init_std = init_std
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """``(N, C)`` features -> ``(N, K)`` class scores."""
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x)
