"""Global average pooling and L2 normalisation of backbone features."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule


@MODELS.register_module()
class L2NormalizeNeck(BaseModule):
    """Pool a feature map over all its positions and scale it to unit norm.

    The linear evaluation of CVRL (tensorflow/models,
    ``official/projects/video_ssl``: ``normalize_feature=True``) trains its
    classifier on the L2-normalised, globally pooled encoder features; this
    neck gives MMAction2's ``Recognizer3D`` (or ``Recognizer2D``) the same
    input to its head. The output keeps the input's number of dimensions,
    with every position dimension of size 1, so that MMAction2's heads
    (``I3DHead``, ``TSNHead`` ...) take it as they take a feature map: their
    own average pooling is then the identity.

    Args:
        eps (float): Lower bound of the norm that divides, against a
            division by zero. Defaults to 1e-12 (the release divides by
            ``sqrt(max(|x|^2, 1e-12))``: the same for any feature whose
            norm is above 1e-6).
        init_cfg (dict, optional): Unused (no parameters). Defaults to None.
    """

    def __init__(self, eps: float = 1e-12, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not (isinstance(eps, (int, float)) and eps > 0):
            raise ValueError(
                f'L2NormalizeNeck: eps must be a number > 0, got {eps!r}')
        self.eps = float(eps)

    def forward(
            self,
            x: torch.Tensor,
            data_samples: Optional[list] = None) -> Tuple[torch.Tensor, Dict]:
        """``(N, C, *positions)`` features, e.g. ``(N, C, T, H, W)`` ->
        ``(N, C, 1, ..., 1)`` unit-norm features, and no auxiliary loss
        (the ``(features, losses)`` pair MMAction2's recognizers expect from
        a neck)."""
        if x.dim() < 2:
            raise ValueError('L2NormalizeNeck: expected features (N, C, ...), '
                             f'got shape {tuple(x.shape)}')
        pooled = x.flatten(2).mean(dim=2) if x.dim() > 2 else x
        normalised = F.normalize(pooled, p=2, dim=1, eps=self.eps)
        return normalised.view(*pooled.shape, *([1] * (x.dim() - 2))), {}
