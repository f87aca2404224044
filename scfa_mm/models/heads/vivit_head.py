"""The classification head of the ViViT baseline."""
from mmaction.models.heads import TimeSformerHead
from mmaction.registry import MODELS

from .device_loss import DeviceLossMixin


@MODELS.register_module()
class ViViTHead(DeviceLossMixin, TimeSformerHead):
    """MMAction2's ``TimeSformerHead`` (dropout and one linear layer on the
    ``(N, C)`` class token; same arguments and initialisation) with the loss,
    accuracy and predictions of :class:`DeviceLossMixin`, so that the ViViT
    configs train under bfloat16 autocast."""
