"""CARL's sequence contrastive loss (Chen et al., CVPR 2022)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import nn

from ...utils.arguments import check_number

# Logit of a padded frame: finite (not -inf), so that zero weights times it
# stay 0 and no NaN reaches the gradient; exp() of it is exactly 0.
_EXCLUDED = -1e9


@MODELS.register_module()
class SequenceContrastiveLoss(nn.Module):
    """Sequence contrastive loss: frame similarities across two views follow
    a Gaussian of the frames' timestamp distance.

    For frame ``i`` of one view of a video, with embedding ``z_i`` and
    source frame index (timestamp) ``s_i``, and the ``T`` frames ``j`` of
    the *other* view of the same video::

        p_ij = softmax_j(cos(z_i, z_j) / temperature)
        w_ij = softmax_j(-(s_i - s_j) ** 2 / (2 * variance))
             = G(s_i - s_j) / sum_k G(s_i - s_k)   (normalised Gaussian)
        loss_i = KL(w_i || p_i) = sum_j w_ij * (log w_ij - log p_ij)

    The loss is the mean of ``loss_i`` over the valid frames of both views
    of all videos. It equals the authors' ``compute_sequence_loss``
    (positive type ``gauss``, negative type ``single_noself``) on the same
    inputs: like them it takes ``log(p_ij + eps)`` with ``eps=1e-6``,
    which floors the log-probability of very unlikely pairs (and their
    gradient); ``eps=0`` gives the exact log-softmax of the paper's
    equation. Two deliberate differences, which matter only at the edges:

    - Padded frames (``masks`` False) are left out exactly; the authors
      keep them in every softmax denominator with weight ``1e-6``.
    - The Gaussian weights are normalised in log space, so they never
      underflow to an all-zero row (the authors' ``exp`` does for an
      anchor more than ~38 sigma from every frame of the other view, and
      that anchor then contributes nothing).

    The authors also rescale timestamps by the videos' lengths; both views
    of a video share its length, so that is the identity here.

    Computed in at least float32, also under autocast.

    Args:
        temperature (float): Softmax temperature ``tau``. Defaults to 0.1.
        variance (float): Variance ``sigma ** 2`` of the Gaussian, in
            frames squared. Defaults to 10.
        eps (float): Added to the softmax before its log, >= 0. Defaults
            to 1e-6 (the authors' value).
        loss_weight (float): Factor on the loss. Defaults to 1.0.

    Example:
        >>> loss = SequenceContrastiveLoss()
        >>> embeddings = torch.randn(4, 2, 80, 128)
        >>> timestamps = torch.sort(torch.randint(0, 300, (4, 2, 80)))[0]
        >>> loss(embeddings, timestamps).shape
        torch.Size([])
    """

    def __init__(self,
                 temperature: float = 0.1,
                 variance: float = 10.0,
                 eps: float = 1e-6,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        owner = 'SequenceContrastiveLoss'
        for name, value in (('temperature', temperature), ('variance',
                                                           variance)):
            check_number(owner, name, value, minimum=0, strict_minimum=True)
        check_number(owner, 'eps', eps, minimum=0)
        self.temperature = temperature
        self.variance = variance
        self.eps = eps
        self.loss_weight = loss_weight

    def forward(self,
                embeddings: torch.Tensor,
                timestamps: torch.Tensor,
                masks: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            embeddings (torch.Tensor): ``(B, 2, T, D)`` frame embeddings of
                the two views of ``B`` videos (normalised here).
            timestamps (torch.Tensor): ``(B, 2, T)`` source frame index of
                every frame.
            masks (torch.Tensor, optional): ``(B, 2, T)`` bool, True for a
                real frame, False for padding. Defaults to all True.

        Returns:
            torch.Tensor: The scalar loss.
        """
        if embeddings.dim() != 4 or embeddings.shape[1] != 2:
            raise ValueError('SequenceContrastiveLoss: expected embeddings '
                             f'(B, 2, T, D), got {tuple(embeddings.shape)}')
        if timestamps.shape != embeddings.shape[:3]:
            raise ValueError(
                'SequenceContrastiveLoss: timestamps must be (B, 2, T) = '
                f'{tuple(embeddings.shape[:3])}, got '
                f'{tuple(timestamps.shape)}')
        if embeddings.shape[2] < 2:
            # one frame per view: its softmax over the other view has one
            # entry, equal to its Gaussian target, so the loss is 0 for ever
            raise ValueError(
                'SequenceContrastiveLoss: each view needs >= 2 frames to '
                'contrast a frame against, got T = '
                f'{embeddings.shape[2]}: raise the number of frames per view '
                'of the train pipeline (CARLSampleFrames num_frames)')
        if masks is None:
            masks = torch.ones_like(timestamps, dtype=torch.bool)
        elif masks.shape != embeddings.shape[:3]:
            raise ValueError(
                'SequenceContrastiveLoss: masks must be (B, 2, T) = '
                f'{tuple(embeddings.shape[:3])}, got {tuple(masks.shape)}')
        masks = masks.bool()
        dtype = torch.promote_types(embeddings.dtype, torch.float32)
        with torch.autocast(embeddings.device.type, enabled=False):
            z = F.normalize(embeddings.to(dtype), dim=-1)
            times = timestamps.to(dtype)
            # Row (b, v) is compared with view 1 - v of the same video.
            other_z, other_times = z.flip(1), times.flip(1)
            other_valid = masks.flip(1)[:, :, None, :]  # (B, 2, 1, T)

            logits = z @ other_z.transpose(-1, -2) / self.temperature
            log_prob = logits.masked_fill(~other_valid,
                                          _EXCLUDED).log_softmax(-1)
            if self.eps > 0:
                log_prob = (log_prob.exp() + self.eps).log()
            distance = times[..., :, None] - other_times[..., None, :]
            log_gauss = -distance.square() / (2 * self.variance)
            target = log_gauss.masked_fill(~other_valid, _EXCLUDED).softmax(-1)
            # KL(target || p) per anchor frame; xlogy(0, 0) = 0
            kl = (torch.xlogy(target, target) - target * log_prob).sum(-1)
            loss = (kl * masks).sum() / masks.sum().clamp(min=1)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'temperature={self.temperature}, '
                f'variance={self.variance}, eps={self.eps}, '
                f'loss_weight={self.loss_weight}')
