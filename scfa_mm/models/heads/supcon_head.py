"""Projection head with a supervised contrastive loss and a linear probe."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmaction.evaluation import top_k_accuracy
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine import dist
from mmengine.model.weight_init import normal_init
from torch import nn


def scale_grad(x: torch.Tensor, scale: float) -> torch.Tensor:
    """Identity forward; the backward multiplies the gradient by ``scale``
    (0: ``detach``)."""
    if scale == 0:
        return x.detach()
    if scale == 1:
        return x
    return x.detach() + scale * (x - x.detach())


@MODELS.register_module()
class SupConHead(BaseHead):
    """SCFA head: projection MLP + contrastive loss + online linear probe.

    From pooled backbone features ``h`` of every view (``(B*V, C)``):

    - the projection ``z = normalize(W2 relu(W1 h))`` (``(B*V, D)``) feeds
      the contrastive loss. ``positives='label'``: views with the same class
      are positives (supervised, SupCon); ``'video'``: only the other views
      of the same video (self-supervised, SimCLR-style).
    - a linear classifier on ``h`` gives the class scores. With
      ``joint_ce_weight=0`` it is trained on *detached* features (an online
      linear probe: the encoder learns from the contrastive loss alone);
      with a weight ``w > 0`` its cross-entropy also trains the encoder,
      scaled by ``w``. Without ``loss_contrastive`` and with ``w=1`` the
      head is a plain cross-entropy classifier of the same network.

    At test time the class scores of the views are averaged per video by
    ``average_clips``, as in MMAction2's heads.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Backbone channels ``C``. Defaults to 2048.
        hidden_channels (int): Hidden width of the projection MLP.
            Defaults to 2048.
        embed_channels (int): Embedding size ``D``. Defaults to 128.
        positives (str): ``'label'`` or ``'video'``. Defaults to 'label'.
        loss_contrastive (dict, optional): Contrastive loss config, or None
            for none. Defaults to ``dict(type='SupConLoss')``.
        joint_ce_weight (float): Weight of the classifier's cross-entropy
            on the encoder. Defaults to 0 (linear probe).
        loss_cls (dict): Classification loss config.
            Defaults to ``dict(type='CrossEntropyLoss')``.
        init_std (float): Std of the classifier's initialisation.
            Defaults to 0.01.
        average_clips (str, optional): How class scores of the views are
            averaged at test time: ``'score'``, ``'prob'`` or None.
            Defaults to 'prob'.
        kwargs: Other arguments of :class:`BaseHead` (``topk`` ...).
    """

    positive_modes = ('label', 'video')

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 2048,
                 hidden_channels: int = 2048,
                 embed_channels: int = 128,
                 positives: str = 'label',
                 loss_contrastive: Optional[Dict] = dict(type='SupConLoss'),
                 joint_ce_weight: float = 0.0,
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 init_std: float = 0.01,
                 average_clips: Optional[str] = 'prob',
                 **kwargs) -> None:
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            average_clips=average_clips,
            **kwargs)
        if positives not in self.positive_modes:
            raise ValueError(f'SupConHead: positives must be one of '
                             f'{self.positive_modes}, got {positives!r}')
        if joint_ce_weight < 0:
            raise ValueError(f'SupConHead: joint_ce_weight must be >= 0, '
                             f'got {joint_ce_weight!r}')
        if num_classes < 1:
            raise ValueError(
                f'SupConHead: num_classes must be >= 1, got {num_classes!r}')
        self.positives = positives
        self.joint_ce_weight = joint_ce_weight
        self.init_std = init_std
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc_cls = nn.Linear(in_channels, num_classes)
        if loss_contrastive is None:
            self.projector = None
            self.loss_contrastive = None
        else:
            self.projector = nn.Sequential(
                nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
                nn.Linear(hidden_channels, embed_channels))
            self.loss_contrastive = MODELS.build(loss_contrastive)

    def init_weights(self) -> None:
        """Initialise the classifier from N(0, init_std); the projector
        keeps PyTorch's default (Kaiming-uniform) init, as in the SupCon
        reference code."""
        normal_init(self.fc_cls, std=self.init_std)

    def pool_features(self, x: torch.Tensor) -> torch.Tensor:
        """``(B*V, C, H, W)`` or ``(B*V, C)`` -> ``(B*V, C)``."""
        return self.pool(x).flatten(1) if x.dim() == 4 else x

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """L2-normalised projections ``(B*V, D)`` of backbone features."""
        if self.projector is None:
            raise RuntimeError('SupConHead: this head has no projector '
                               '(loss_contrastive=None)')
        return F.normalize(self.projector(self.pool_features(x)), dim=1)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """Class scores ``(B*V, num_classes)`` of the linear classifier."""
        return self.fc_cls(self.pool_features(x))

    def _labels(self, data_samples: SampleList,
                device: torch.device) -> torch.Tensor:
        """``(B, )`` class labels, checked against ``num_classes``."""
        labels = torch.cat([s.gt_label.view(-1) for s in data_samples])
        bad = (labels < 0) | (labels >= self.num_classes)
        if bad.any():
            raise ValueError(
                f'SupConHead: labels {labels[bad].tolist()} are outside '
                f'[0, {self.num_classes}) (num_classes={self.num_classes})')
        return labels.to(device)

    @staticmethod
    def _video_ids(num_videos: int, num_views: int,
                   device: torch.device) -> torch.Tensor:
        """``(B*V, )`` ids unique to each video across all ranks."""
        first = dist.get_rank() * num_videos
        return torch.arange(
            first, first + num_videos,
            device=device).repeat_interleave(num_views)

    def loss(self,
             feats: torch.Tensor,
             data_samples: SampleList,
             num_segs: int = 1,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Losses of a batch.

        Args:
            feats (torch.Tensor): Backbone features of every view,
                ``(B*V, C, H, W)``, video-major.
            data_samples (list[ActionDataSample]): ``B`` samples.
            num_segs (int): Views per video ``V``.

        Returns:
            dict: ``loss_supcon`` (if any), ``loss_cls``, ``top1_acc`` ...
            (accuracy of the classifier per view).
        """
        features = self.pool_features(feats)
        labels = self._labels(data_samples, features.device)
        view_labels = labels.repeat_interleave(num_segs)
        losses = dict()
        if self.loss_contrastive is not None:
            embeddings = self.embed(features)
            targets = view_labels if self.positives == 'label' else \
                self._video_ids(len(labels), num_segs, features.device)
            losses['loss_supcon'] = self.loss_contrastive(embeddings, targets)
        cls_scores = self.fc_cls(scale_grad(features, self.joint_ce_weight))
        losses['loss_cls'] = self.loss_cls(cls_scores, view_labels)
        accuracies = top_k_accuracy(cls_scores.detach().cpu().numpy(),
                                    view_labels.cpu().numpy(), self.topk)
        for k, accuracy in zip(self.topk, accuracies):
            losses[f'top{k}_acc'] = torch.tensor(
                accuracy, device=features.device)
        return losses

    def predict(self, feats: torch.Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Class scores averaged over the views (``pred_score``,
        ``pred_label``) and, with a projector, the video's embedding: the
        L2-normalised mean of its views' embeddings (``embedding``,
        ``(D, )``), for retrieval and k-NN metrics.

        Args:
            feats (torch.Tensor): ``(B*V, C, H, W)`` backbone features.
            data_samples (list[ActionDataSample]): ``B`` samples.
        """
        data_samples = super().predict(feats, data_samples, **kwargs)
        if self.projector is not None:
            views = self.embed(feats).reshape(
                len(data_samples), -1, self.projector[-1].out_features)
            embeddings = F.normalize(views.mean(1), dim=1)
            for sample, embedding in zip(data_samples, embeddings):
                sample.set_field(embedding, 'embedding')
        return data_samples

    def extra_repr(self) -> str:
        return (f'positives={self.positives!r}, '
                f'joint_ce_weight={self.joint_ce_weight}')
