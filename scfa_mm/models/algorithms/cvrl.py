"""Contrastive Video Representation Learning (CVRL)."""
from typing import Dict

import torch
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from .base import BaseContrastiveRecognizer


@MODELS.register_module()
class CVRL(BaseContrastiveRecognizer):
    """CVRL (Qian et al., CVPR 2021): two clips of a video attract, clips of
    other videos repel.

    The clips come from ``CVRLSampleFrames`` (start distance favouring near
    clips) with per-clip spatial augmentation (``PerView``); a 3D backbone
    encodes each clip, the neck projects it (3 layers with BatchNorm), and
    the head's InfoNCE loss treats the other clip of the same video as the
    positive and every other clip of the global batch as a negative: this
    is ``SupConLoss`` with video ids as labels (temperature 0.1), which
    gathers all ranks' clips. Self-supervised: ``positives`` is always
    ``'video'``; labels reach only the optional online linear probe
    (``cls_head`` on detached features).

    Inputs are ``(B, V, 3, T, H, W)`` clips. Other arguments and the shared
    ``predict``/``mode='tensor'`` behaviour are those of
    :class:`BaseContrastiveRecognizer`.
    """

    allowed_positives = ('video', )  # self-supervised
    default_positives = 'video'
    view_dims = 4  # clips (3, T, H, W)
    feature_level = 'clip'
    requires_head = True

    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Losses of a batch.

        Args:
            inputs (torch.Tensor): ``(B, V, 3, T, H, W)`` clips.
            data_samples (list[ActionDataSample]): ``B`` samples.

        Returns:
            dict: ``loss_supcon`` (InfoNCE), and ``loss_cls`` and
            ``top{k}_acc`` of the probe if there is one.
        """
        return self.contrastive_loss(inputs, data_samples)
