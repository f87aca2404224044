"""The head that turns embeddings and targets into the contrastive loss."""
from typing import Dict

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule


@MODELS.register_module()
class SupConHead(BaseModule):
    """Contrastive head: the loss of L2-normalised view embeddings.

    Rows with the same target are positives of each other: class labels
    give the supervised contrastive loss (SCFA), video ids the
    self-supervised instance loss (SCFA self-supervised, CVRL). Which
    targets to use is the algorithm's decision; the projection that makes
    the embeddings is the neck's.

    Args:
        loss (dict): Loss config, called as ``loss(embeddings, targets)``.
            Defaults to ``dict(type='SupConLoss')`` (temperature 0.07).
        init_cfg (dict, optional): Unused (no parameters); kept for the
            OpenMMLab module interface. Defaults to None.
    """

    def __init__(self,
                 loss: Dict = dict(type='SupConLoss'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_module = MODELS.build(loss)

    def loss(self, embeddings: torch.Tensor,
             targets: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The contrastive loss.

        Args:
            embeddings (torch.Tensor): ``(N, D)`` L2-normalised, one row per
                view.
            targets (torch.Tensor): ``(N, )`` integer ids; equal ids mark
                positives.

        Returns:
            dict: ``loss_supcon``, a scalar.
        """
        return dict(loss_supcon=self.loss_module(embeddings, targets))
