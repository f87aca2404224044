"""Loss and accuracy of MMAction2 heads computed on the device."""
from typing import Dict

import torch
import torch.nn.functional as F
from mmaction.utils import SampleList


class DeviceLossMixin:
    """Replaces :meth:`BaseHead.loss_by_feat` and ``predict_by_feat`` of an
    MMAction2 head with versions that stay on the device and in float32.

    The stock ``loss_by_feat`` computes the top-k accuracy in numpy: it
    copies the scores to the host every step (a device synchronisation) and
    fails on bfloat16 scores (numpy has no bfloat16). Here the accuracy is
    computed with ``torch.topk`` on the device, and scores are float32 for
    the loss and the predictions. Labels, label smoothing, multi-class
    targets and the loss are handled as in ``BaseHead``.
    """

    def loss_by_feat(self, cls_scores: torch.Tensor,
                     data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Losses and ``top{k}_acc`` of ``(N, K)`` scores and ``N``
        samples."""
        cls_scores = cls_scores.float()
        labels = torch.stack([s.gt_label for s in data_samples])
        labels = labels.to(cls_scores.device).squeeze()
        if labels.dim() == 0:
            labels = labels.unsqueeze(0)
        elif labels.dim() == 1 and len(labels) == self.num_classes \
                and len(cls_scores) == 1:
            labels = labels.unsqueeze(0)  # one soft label
        losses = dict()
        if cls_scores.size() != labels.size():  # hard labels
            # k may exceed the classes (top-5 of 3): then every hit counts
            k_max = min(max(self.topk), cls_scores.size(1))
            top = cls_scores.topk(k_max, dim=1).indices
            hits = top == labels[:, None]
            for k in self.topk:
                losses[f'top{k}_acc'] = hits[:, :k].any(1).float().mean()
        if self.label_smooth_eps != 0:
            if cls_scores.size() != labels.size():
                labels = F.one_hot(labels, num_classes=self.num_classes)
            labels = ((1 - self.label_smooth_eps) * labels +
                      self.label_smooth_eps / self.num_classes)
        loss_cls = self.loss_cls(cls_scores, labels)
        if isinstance(loss_cls, dict):
            losses.update(loss_cls)
        else:
            losses['loss_cls'] = loss_cls
        return losses

    def predict_by_feat(self, cls_scores: torch.Tensor,
                        data_samples: SampleList) -> SampleList:
        return super().predict_by_feat(cls_scores.float(), data_samples)
