"""The base of the contrastive video algorithms (SCFA, CVRL, CARL)."""
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from mmaction.models.recognizers import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import OptConfigType, SampleList

from ..utils import (channels_last_format, global_instance_ids,
                     to_channels_last)


def scale_grad(x: torch.Tensor, scale: float) -> torch.Tensor:
    """Identity forward; the backward multiplies the gradient by ``scale``
    (0: ``detach``)."""
    if scale == 0:
        return x.detach()
    if scale == 1:
        return x
    return x.detach() + scale * (x - x.detach())


def global_average_pool(feats: torch.Tensor) -> torch.Tensor:
    """``(N, C, *spatial)`` backbone maps (2D or 3D) -> ``(N, C)``."""
    if feats.dim() == 4:
        return F.adaptive_avg_pool2d(feats, 1).flatten(1)
    if feats.dim() == 5:
        return F.adaptive_avg_pool3d(feats, 1).flatten(1)
    if feats.dim() == 2:
        return feats
    raise ValueError('expected backbone features (N, C), (N, C, H, W) or '
                     f'(N, C, T, H, W), got {tuple(feats.shape)}')


class BaseContrastiveRecognizer(BaseRecognizer):
    """Multi-view contrastive learning in MMAction2's recognizer interface.

    The contract every algorithm shares, written here once: a batch holds
    ``B`` videos with ``V`` views each, ``inputs`` of shape
    ``(B, V, *view)`` (a view is a grid image ``(3, H, W)`` or a clip
    ``(3, T, H, W)``); inside the model the views are rows of one tensor,
    **video-major**: row ``b * V + v`` is view ``v`` of video ``b``.

    Modules (all but the backbone optional):

    - ``backbone``: encodes every view, ``(B*V, *view)`` -> feature maps,
      globally average-pooled to ``(B*V, C)``;
    - ``neck``: projects the pooled features, ``(B*V, C)`` -> ``(B*V, D)``;
      the algorithm L2-normalises the result (the *embedding*);
    - ``head``: the contrastive loss of the embeddings and their targets
      (:meth:`contrastive_targets`);
    - ``cls_head``: a classifier on the pooled features of every view,
      trained with cross-entropy on features scaled in the backward by
      ``joint_ce_weight`` (0: detached, an online linear probe that does
      not train the encoder). At test time its scores are averaged over
      the views of each video.

    Subclasses write :meth:`loss` (the method's objective); ``predict`` and
    ``mode='tensor'`` are shared.

    Args:
        backbone (dict): Backbone config (as :class:`BaseRecognizer`).
        neck (dict, optional): Projection config. Defaults to None.
        head (dict, optional): Contrastive head config. Defaults to None.
        cls_head (dict, optional): Classifier config. Defaults to None.
        positives (str): Contrastive targets: ``'label'`` (views of the same
            class are positives, supervised) or ``'video'`` (only the views
            of the same video, self-supervised). Defaults to 'video'.
        joint_ce_weight (float): Gradient scale of the classifier's loss on
            the encoder, >= 0. Defaults to 0 (linear probe).
        channels_last (bool): Run the backbone's convolutions in
            channels-last memory format (``channels_last_3d`` for 3D ones):
            faster on GPUs with tensor cores under mixed precision
            (docs/performance.md). Defaults to False.
        train_cfg, test_cfg, data_preprocessor: As :class:`BaseRecognizer`.
    """

    positive_modes = ('label', 'video')
    stages = ('embedding', 'backbone', 'head')

    def __init__(self,
                 backbone: dict,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 cls_head: OptConfigType = None,
                 positives: str = 'video',
                 joint_ce_weight: float = 0.0,
                 channels_last: bool = False,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        name = type(self).__name__
        if positives not in self.positive_modes:
            raise ValueError(f'{name}: positives must be one of '
                             f'{self.positive_modes}, got {positives!r}')
        if not joint_ce_weight >= 0:
            raise ValueError(f'{name}: joint_ce_weight must be >= 0, '
                             f'got {joint_ce_weight!r}')
        if head is not None and neck is None:
            raise ValueError(f'{name}: a contrastive head needs a neck that '
                             'makes the embeddings')
        # The classifier is built before the neck: the order in which
        # modules draw their random initial weights stays that of SCFA's
        # first release, so seeded runs reproduce its results.
        super().__init__(
            backbone=backbone,
            cls_head=cls_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head) if head is not None else None
        self.positives = positives
        self.joint_ce_weight = joint_ce_weight
        self.channels_last = channels_last
        if channels_last:
            to_channels_last(self.backbone)

    @property
    def with_head(self) -> bool:
        return self.head is not None

    def extract_feat(self, inputs: torch.Tensor,
                     **kwargs) -> Tuple[torch.Tensor, int]:
        """Pooled backbone features of every view.

        Args:
            inputs (torch.Tensor): ``(B, V, *view)``.

        Returns:
            tuple: ``(B*V, C)`` features, video-major, and ``V``.
        """
        if inputs.dim() < 3:
            raise ValueError(f'{type(self).__name__}: expected inputs '
                             f'(B, V, *view), got {tuple(inputs.shape)}')
        num_views = inputs.shape[1]
        views = inputs.flatten(0, 1)
        if self.channels_last and views.dim() in (4, 5):
            views = views.contiguous(
                memory_format=channels_last_format(views.dim()))
        feats = self.backbone(views)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        return global_average_pool(feats), num_views

    def embed(self, feats: torch.Tensor) -> torch.Tensor:
        """``(N, C)`` pooled features -> ``(N, D)`` L2-normalised
        embeddings."""
        if self.neck is None:
            raise RuntimeError(f'{type(self).__name__} has no neck: it '
                               'makes no embeddings')
        return F.normalize(self.neck(feats), dim=-1)

    def labels(self, data_samples: SampleList) -> torch.Tensor:
        """``(B, )`` class labels of the samples."""
        return torch.cat([s.gt_label.view(-1) for s in data_samples])

    def contrastive_targets(self, data_samples: SampleList, num_views: int,
                            device: torch.device) -> torch.Tensor:
        """``(B*V, )`` targets of the contrastive loss: class labels
        (``positives='label'``) or video ids unique across ranks
        (``'video'``), repeated for the views of each video."""
        if self.positives == 'label':
            return self.labels(data_samples).to(device).repeat_interleave(
                num_views)
        return global_instance_ids(len(data_samples), num_views, device)

    def classifier_loss(self, feats: torch.Tensor, data_samples: SampleList,
                        num_views: int) -> Dict[str, torch.Tensor]:
        """Cross-entropy (and accuracy) of ``cls_head`` on every view;
        empty without one.

        Args:
            feats (torch.Tensor): ``(B*V, C)`` pooled features.
            data_samples (list[ActionDataSample]): ``B`` samples.
            num_views (int): ``V``.
        """
        if not self.with_cls_head:
            return dict()
        # Labels are checked against num_classes when the annotation lists
        # are read (tools/train.py, tools/test.py), not here: a check on
        # every step would wait for the device.
        view_samples = [s for s in data_samples for _ in range(num_views)]
        return self.cls_head.loss(
            scale_grad(feats, self.joint_ce_weight), view_samples)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """The method's losses; written by every algorithm."""
        raise NotImplementedError

    def predict(self, inputs: torch.Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Per video: ``cls_head``'s scores averaged over its views
        (``pred_score``, ``pred_label``) and, with a neck, the L2-normalised
        mean of its views' embeddings (``embedding``, ``(D, )``), which the
        retrieval and k-NN metrics use.

        Args:
            inputs (torch.Tensor): ``(B, V, *view)``.
            data_samples (list[ActionDataSample]): ``B`` samples.
        """
        feats, num_views = self.extract_feat(inputs)
        if self.with_cls_head:
            data_samples = self.cls_head.predict(feats, data_samples)
        if self.neck is not None:
            views = self.embed(feats).unflatten(0, (-1, num_views))
            embeddings = F.normalize(views.float().mean(1), dim=-1)
            for sample, embedding in zip(data_samples, embeddings):
                sample.set_field(embedding, 'embedding')
        return data_samples

    def _forward(self,
                 inputs: torch.Tensor,
                 stage: str = 'embedding',
                 **kwargs) -> torch.Tensor:
        """Per-view outputs of one stage.

        Args:
            inputs (torch.Tensor): ``(B, V, *view)``.
            stage (str): ``'embedding'`` (L2-normalised projections,
                ``(B, V, D)``), ``'backbone'`` (pooled features,
                ``(B, V, C)``) or ``'head'`` (class scores of every view,
                ``(B, V, K)``).

        Returns:
            torch.Tensor: ``(B, V, ...)``.
        """
        if stage not in self.stages:
            raise ValueError(f'{type(self).__name__}: stage must be one of '
                             f'{self.stages}, got {stage!r}')
        feats, num_views = self.extract_feat(inputs)
        if stage == 'embedding':
            out = self.embed(feats)
        elif stage == 'backbone':
            out = feats
        else:
            if not self.with_cls_head:
                raise RuntimeError(f'{type(self).__name__} has no cls_head')
            out = self.cls_head(feats)
        return out.unflatten(0, (-1, num_views))

    #: Old state-dict key prefixes -> new ones; a subclass lists the moves
    #: of its own history so that its old checkpoints keep loading.
    renamed_state_dict_prefixes: Dict[str, str] = dict()

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        renames: List[Tuple[str, str]] = []
        for key in state_dict:
            for old, new in self.renamed_state_dict_prefixes.items():
                if key.startswith(prefix + old):
                    renames.append(
                        (key, prefix + new + key[len(prefix) + len(old):]))
        for old_key, new_key in renames:
            state_dict[new_key] = state_dict.pop(old_key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
