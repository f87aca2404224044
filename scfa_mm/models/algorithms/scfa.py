"""Supervised Contrastive Frame Aggregation (SCFA)."""
from typing import Dict

import torch
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from .base import BaseContrastiveRecognizer


@MODELS.register_module()
class SCFARecognizer(BaseContrastiveRecognizer):
    """SCFA: a 2D CNN on frame grids, trained with a contrastive loss.

    Every view of a video is one grid image: ``clip_len`` frames of one
    temporal sampling tiled in temporal order (``TemporalMultiView`` and
    ``GridAggregate`` in the pipeline). The shared 2D backbone encodes the
    ``B*V`` grids, the neck projects them, and the head's supervised
    contrastive loss pulls together views with the same label
    (``positives='label'``) or, self-supervised, only the views of the same
    video (``positives='video'``). A linear classifier on the detached
    pooled features (``cls_head``) is trained alongside and gives the class
    scores; ``joint_ce_weight > 0`` lets its cross-entropy train the
    encoder too, and without ``neck`` and ``head`` the model is a plain
    cross-entropy classifier of the same grids.

    Inputs are ``(B, V, 3, H, W)`` grid images. Arguments and the shared
    ``predict``/``mode='tensor'`` behaviour are those of
    :class:`BaseContrastiveRecognizer`; ``positives`` defaults to
    ``'label'`` (the paper's supervised setting).

    Example:
        >>> model = MODELS.build(dict(
        ...     type='SCFARecognizer',
        ...     backbone=dict(type='ResNet', depth=18, pretrained=None),
        ...     neck=dict(type='ProjectionNeck', in_channels=512,
        ...               hidden_channels=512, out_channels=128),
        ...     head=dict(type='SupConHead'),
        ...     cls_head=dict(type='LinearProbeHead', num_classes=8,
        ...                   in_channels=512)))
    """

    allowed_positives = ('label', 'video')
    default_positives = 'label'
    view_dims = 3  # grid images (3, H, W)
    feature_level = 'clip'
    # SCFA's first release kept the projector and classifier in one head.
    renamed_state_dict_prefixes = {'cls_head.projector.': 'neck.mlp.'}

    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Losses of a batch.

        Args:
            inputs (torch.Tensor): ``(B, V, 3, H, W)`` grid images.
            data_samples (list[ActionDataSample]): ``B`` samples.

        Returns:
            dict: ``loss_supcon`` (with a head), ``loss_cls`` and
            ``top{k}_acc`` (with a ``cls_head``).
        """
        return self.contrastive_loss(inputs, data_samples)
