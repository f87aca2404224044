"""Contrastive Action Representation Learning (CARL)."""
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from .base import BaseContrastiveRecognizer


def _stack_field(data_samples: SampleList, key: str,
                 device: torch.device) -> torch.Tensor:
    """``(B, V, T)`` of a per-frame field of every sample."""
    values = [np.asarray(sample.get(key)) for sample in data_samples]
    return torch.as_tensor(np.stack(values), device=device)


@MODELS.register_module()
class CARL(BaseContrastiveRecognizer):
    """CARL (Chen et al., CVPR 2022): frame-wise representations of long
    videos, learned self-supervised with the sequence contrastive loss.

    Two views of ``T`` frames of each video (``CARLSampleFrames``, spatial
    augmentation per view with ``PerView``) go through a frame-level
    encoder (``FrameTransformerEncoder``: one representation per frame);
    the neck projects every frame, and the head's sequence contrastive
    loss makes the similarities of a frame to the other view's frames
    follow a Gaussian of their timestamp distance. The timestamps and
    padding masks come from the pipeline (``frame_timestamps`` and
    ``frame_mask`` of the data samples).

    At test time the whole video is one view; ``predict`` stores its
    L2-normalised frame representations (the encoder's output, not the
    projection, as in the paper) as ``frame_embeddings`` ``(T, D)``, which
    the frame-level metrics (``evaluation/frame_metrics.py``) read.
    ``mode='tensor'`` returns them too: ``(B, T, D)`` for single-view
    inputs, ``(B, V, T, D)`` otherwise.

    Inputs are ``(B, V, 3, T, H, W)``; the base's ``extract_feat`` runs
    the frame-level encoder (``feature_level = 'frame'``), ``(B*V, T, C)``.
    CARL has no classifier: its representations are evaluated frame by
    frame.

    Args:
        backbone (dict): A frame-level encoder, called as
            ``backbone(clips (N, 3, T, H, W), masks (N, T))`` and returning
            ``(N, T, C)``.
        neck (dict): The projection of every frame, ``(M, C) -> (M, D)``.
        head (dict): The sequence contrastive head.
        train_cfg, test_cfg, data_preprocessor: As
            :class:`BaseContrastiveRecognizer`.
        positives (str): Only ``'video'`` (the frames of the other view of
            the same video): CARL is self-supervised. Defaults to 'video'.
    """

    allowed_positives = ('video', )  # self-supervised
    default_positives = 'video'
    view_dims = 4  # sequences of frames (3, T, H, W)
    feature_level = 'frame'
    requires_head = True

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 positives: str = 'video') -> None:
        # No cls_head, joint_ce_weight nor channels_last: CARL's features
        # are frame-level, evaluated frame by frame.
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            positives=positives,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """The sequence contrastive loss of a batch.

        Args:
            inputs (torch.Tensor): ``(B, 2, 3, T, H, W)``.
            data_samples (list[ActionDataSample]): ``B`` samples with
                ``frame_timestamps`` and ``frame_mask`` ``(2, T)``.

        Returns:
            dict: ``loss_scl``.
        """
        device = inputs.device
        timestamps = _stack_field(data_samples, 'frame_timestamps', device)
        masks = _stack_field(data_samples, 'frame_mask', device).bool()
        if timestamps.shape != inputs.shape[:2] + inputs.shape[3:4]:
            raise ValueError(
                f'CARL: frame_timestamps of shape {tuple(timestamps.shape)} '
                f'do not match inputs {tuple(inputs.shape)}')
        feats, num_views = self.extract_feat(inputs, masks)
        projections = self.embed(feats.flatten(0, 1)).view(
            len(data_samples), num_views, feats.shape[1], -1)
        return self.head.loss(projections, timestamps, masks)

    def frame_embeddings(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, V, 3, T, H, W)`` -> ``(B, V, T, C)`` L2-normalised frame
        representations."""
        feats, num_views = self.extract_feat(inputs)
        return F.normalize(feats, dim=-1).unflatten(0, (-1, num_views))

    def predict(self, inputs: torch.Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Store ``frame_embeddings`` ``(T, C)`` (float32) per video.

        Args:
            inputs (torch.Tensor): ``(B, 1, 3, T, H, W)``, the whole video.
            data_samples (list[ActionDataSample]): ``B`` samples.
        """
        embeddings = self.frame_embeddings(inputs)
        if embeddings.shape[1] != 1:
            raise ValueError('CARL predicts one view per video (the whole '
                             f'video), got {embeddings.shape[1]} views')
        for sample, frames in zip(data_samples, embeddings[:, 0].float()):
            sample.set_field(frames, 'frame_embeddings')
        return data_samples

    def _forward(self, inputs: torch.Tensor, **kwargs) -> torch.Tensor:
        """``(B, T, C)`` L2-normalised frame representations of single-view
        inputs, ``(B, V, T, C)`` of several views."""
        embeddings = self.frame_embeddings(inputs)
        return embeddings[:, 0] if embeddings.shape[1] == 1 else embeddings
