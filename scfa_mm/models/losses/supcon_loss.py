"""Supervised contrastive loss (Khosla et al., 2020)."""
import logging
from typing import Tuple

import torch
from mmaction.registry import MODELS
from mmengine import dist
from mmengine.logging import print_log
from torch import nn

from ...utils.arguments import check_number
from ..utils import all_gather_with_grad, check_same_rows


@MODELS.register_module()
class SupConLoss(nn.Module):
    """Supervised contrastive loss, "all anchors" form (SupCon's L_out).

    Every row of ``features`` is an anchor. Its positives are all other rows
    with the same label; every other row is a negative; a row is never its
    own positive or negative. For anchor ``i`` with positives ``P(i)``::

        loss_i = -(t / t_base) / |P(i)| * sum_{p in P(i)} log(
                 exp(z_i.z_p / t) / sum_{a != i} exp(z_i.z_a / t))

    and the loss is the mean of ``loss_i`` over the anchors. An anchor with
    no positive contributes 0 (and still counts in the mean, as in the
    authors' code).

    A batch in which no row has a positive (all labels distinct, over all
    ranks) gives a loss of 0 and no gradient. At the first call that is a
    setting that cannot work (``train_dataloader.batch_size=1`` with one
    view, or one view per video in the self-supervised setting) and raises
    a ValueError naming those settings; later it can only be the draw of
    a batch (one view, all classes distinct), and is logged as a warning.

    With labels set to video ids (one id per video, shared by its views) this
    is the self-supervised SimCLR/NT-Xent-style instance loss.

    Computed in at least float32, also under autocast.

    With ``gather_distributed=True`` in a process group of several ranks,
    embeddings and labels of all ranks are gathered (embeddings with
    gradient), the local rows are the anchors and the global batch is
    contrasted against. The mean of the ranks' losses, and DDP's averaging of
    gradients, then equal single-process training on the global batch.
    Every rank must hold the same number of rows (checked, with an error
    that says so).

    Args:
        temperature (float): Softmax temperature ``t``. Defaults to 0.07.
        base_temperature (float): ``t_base``, rescales the loss.
            Defaults to 0.07.
        gather_distributed (bool): Contrast against all ranks' rows.
            Defaults to True.
        loss_weight (float): Factor on the loss. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 base_temperature: float = 0.07,
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        for name, value in (('temperature', temperature), ('base_temperature',
                                                           base_temperature)):
            check_number(
                'SupConLoss', name, value, minimum=0, strict_minimum=True)
        self.temperature = temperature
        self.base_temperature = base_temperature
        self.gather_distributed = gather_distributed
        self.loss_weight = loss_weight
        # the first batch decides whether "no positive" is an error
        self._seen_batch = False

    def _check_positives(self, contrast_labels: torch.Tensor) -> None:
        """Refuse (first batch) or report (later) a batch without a
        positive pair. ``contrast_labels`` is the same on every rank, so
        all ranks take the same branch."""
        first, self._seen_batch = not self._seen_batch, True
        if len(contrast_labels.unique()) < len(contrast_labels):
            return
        message = (
            f'SupConLoss: no row of the batch has a positive: its '
            f'{len(contrast_labels)} rows (over all ranks) all have '
            'different labels, so the loss is 0 and nothing is learnt. '
            'Positives are the other views of a video (the number of views '
            'of the train pipeline\'s sampler, e.g. TemporalMultiView '
            'num_views or CVRLSampleFrames num_views, must be >= 2 in the '
            'self-supervised setting) and, with class labels, other videos '
            'of the class in the batch (train_dataloader.batch_size must '
            'be >= 2 with one view).')
        if first:
            raise ValueError(message)
        print_log(message, logger='current', level=logging.WARNING)

    def _contrast_set(
            self, features: torch.Tensor,
            labels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, int]:
        """Rows to contrast against, their labels, and the offset of the
        local rows among them."""
        if not self.gather_distributed or dist.get_world_size() < 2:
            return features, labels, 0
        check_same_rows(features, 'SupConLoss')
        contrast = torch.cat(all_gather_with_grad(features))
        contrast_labels = torch.cat(dist.all_gather(labels))
        return contrast, contrast_labels, dist.get_rank() * len(features)

    def forward(self, features: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            features (torch.Tensor): ``(N, D)`` L2-normalised embeddings, one
                row per view.
            labels (torch.Tensor): ``(N, )`` integer labels; equal labels
                mark positives.

        Returns:
            torch.Tensor: The scalar loss.
        """
        if features.dim() != 2 or labels.shape != features.shape[:1]:
            raise ValueError(
                f'SupConLoss: expected features (N, D) and labels (N, ), '
                f'got {tuple(features.shape)} and {tuple(labels.shape)}')
        dtype = torch.promote_types(features.dtype, torch.float32)
        with torch.autocast(features.device.type, enabled=False):
            features = features.to(dtype)
            contrast, contrast_labels, offset = self._contrast_set(
                features, labels)
            if self.training:
                self._check_positives(contrast_labels)
            num_anchors = len(features)
            anchor_ids = torch.arange(num_anchors, device=features.device)
            is_self = torch.zeros(
                num_anchors,
                len(contrast),
                dtype=torch.bool,
                device=features.device)
            is_self[anchor_ids, anchor_ids + offset] = True
            is_positive = (labels[:, None] == contrast_labels[None, :]) \
                & ~is_self

            logits = features @ contrast.T / self.temperature
            # A finite fill (not -inf) keeps a lone row NaN-free.
            logits = logits.masked_fill(is_self, torch.finfo(dtype).min)
            log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
            num_positives = is_positive.sum(1)
            mean_log_prob_pos = (log_prob * is_positive).sum(1) \
                / num_positives.clamp(min=1)
            loss = -(self.temperature / self.base_temperature) \
                * mean_log_prob_pos
        return self.loss_weight * loss.mean()

    def extra_repr(self) -> str:
        return (f'temperature={self.temperature}, '
                f'base_temperature={self.base_temperature}, '
                f'gather_distributed={self.gather_distributed}, '
                f'loss_weight={self.loss_weight}')
