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

    def __init__(self, *args, **kwargs) -> None:
        positives = kwargs.pop('positives', 'video')
        if positives != 'video':
            raise ValueError('CVRL is self-supervised: positives must be '
                             f"'video', got {positives!r}")
        super().__init__(*args, positives='video', **kwargs)
        if not self.with_head:
            raise ValueError('CVRL needs a contrastive head (and a neck)')

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
        if inputs.dim() != 6:
            raise ValueError('CVRL: expected clips (B, V, 3, T, H, W), got '
                             f'{tuple(inputs.shape)}')
        feats, num_views = self.extract_feat(inputs)
        targets = self.contrastive_targets(data_samples, num_views,
                                           feats.device)
        losses = self.head.loss(self.embed(feats), targets)
        losses.update(self.classifier_loss(feats, data_samples, num_views))
        return losses
