"""The head that turns frame embeddings into CARL's sequence loss."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule


@MODELS.register_module()
class SequenceContrastiveHead(BaseModule):
    """Frame-level contrastive head: the loss of the frame embeddings of two
    views of each video, given the frames' timestamps.

    Args:
        loss (dict): Loss config, called as
            ``loss(embeddings, timestamps, masks)``. Defaults to
            ``dict(type='SequenceContrastiveLoss')`` (temperature 0.1,
            variance 10).
        init_cfg (dict, optional): Unused (no parameters); kept for the
            OpenMMLab module interface. Defaults to None.
    """

    def __init__(self,
                 loss: Dict = dict(type='SequenceContrastiveLoss'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_module = MODELS.build(loss)

    def loss(self,
             embeddings: torch.Tensor,
             timestamps: torch.Tensor,
             masks: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """The sequence contrastive loss.

        Args:
            embeddings (torch.Tensor): ``(B, 2, T, D)`` frame embeddings.
            timestamps (torch.Tensor): ``(B, 2, T)`` source frame indices.
            masks (torch.Tensor, optional): ``(B, 2, T)`` bool, True for a
                real frame.

        Returns:
            dict: ``loss_scl``, a scalar.
        """
        return dict(loss_scl=self.loss_module(embeddings, timestamps, masks))
