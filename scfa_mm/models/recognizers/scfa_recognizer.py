"""Recognizer for SCFA's grid images."""
import torch
from mmaction.models.recognizers import Recognizer2D
from mmaction.registry import MODELS
from mmaction.utils import ForwardResults


@MODELS.register_module()
class SCFARecognizer(Recognizer2D):
    """A 2D recognizer whose input is one grid image per temporal view.

    A batch of ``(B, V, 3, H, W)`` grid images (``V`` views of each of ``B``
    videos) goes through the shared backbone once as ``B*V`` images. In
    ``mode='loss'`` the head gets the features and the number of views, from
    which it derives each view's label and video id; in ``mode='predict'``
    the class scores of the views are averaged per video, as MMAction2 does
    for clips. ``mode='tensor'`` returns embeddings (for retrieval and
    plots) at one of these ``stage`` values:

    - ``'embedding'`` (default): the head's L2-normalised projections,
      ``(B, V, D)``;
    - ``'backbone'``: globally pooled backbone features, ``(B, V, C)``;
    - ``'head'``: class scores of every view, ``(B, V, num_classes)``.

    Arguments are those of :class:`Recognizer2D`.
    """

    stages = ('embedding', 'backbone', 'head')

    def _forward(self,
                 inputs: torch.Tensor,
                 stage: str = 'embedding',
                 **kwargs) -> ForwardResults:
        """Per-view features of a batch.

        Args:
            inputs (torch.Tensor): ``(B, V, 3, H, W)`` grid images.
            stage (str): One of ``stages``.

        Returns:
            torch.Tensor: ``(B, V, ...)`` features of the chosen stage.
        """
        if stage not in self.stages:
            raise ValueError(f'SCFARecognizer: stage must be one of '
                             f'{self.stages}, got {stage!r}')
        num_videos, num_views = inputs.shape[:2]
        feats, _ = self.extract_feat(inputs, stage='neck', test_mode=True)
        if stage == 'embedding':
            out = self.cls_head.embed(feats)
        elif stage == 'backbone':
            out = self.cls_head.pool_features(feats)
        else:
            out = self.cls_head(feats)
        return out.reshape(num_videos, num_views, -1)
