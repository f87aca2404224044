"""The base of the contrastive video algorithms (SCFA, CVRL, CARL)."""
from abc import abstractmethod
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.models.recognizers import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import OptConfigType, SampleList

from ...utils.arguments import check_choice, check_number
from ..utils import (channels_last_format, global_instance_ids,
                     to_channels_last)

#: Contrastive targets: class labels (supervised) or video ids.
POSITIVES = ('label', 'video')
#: One pooled feature per view, or one feature per frame of a view.
FEATURE_LEVELS = ('clip', 'frame')
#: ``view_dims`` -> the inputs it means, for the error messages.
VIEW_SHAPES = {
    None: 'inputs (B, V, *view)',
    3: 'grid images (B, V, 3, H, W)',
    4: 'clips (B, V, 3, T, H, W)',
}


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
    ``(B, V, *view)``; inside the model the views are rows of one tensor,
    **video-major**: row ``b * V + v`` is view ``v`` of video ``b``. A view
    is a grid image ``(3, H, W)`` (``view_dims = 3``) or a clip
    ``(3, T, H, W)`` (``view_dims = 4``); :meth:`extract_feat` refuses
    inputs of another dimensionality, naming the model and the shape it
    expects.

    The features come in one of two levels (``feature_level``):

    - ``'clip'`` (SCFA, CVRL): one feature per view. The backbone maps
      ``(B*V, *view)`` to feature maps, globally average-pooled to
      ``(B*V, C)``; the neck, the contrastive head and the classifier work
      on these rows.
    - ``'frame'`` (CARL): one feature per frame of a view. The backbone is
      called as ``backbone(views (B*V, 3, T, H, W), masks (B*V, T) or
      None)`` and returns ``(B*V, T, C)``, not pooled; the algorithm
      projects every frame with the neck and writes its own loss (which
      needs more than targets: timestamps, padding masks), ``predict`` and
      ``mode='tensor'`` (frame embeddings instead of class scores).

    Modules (all but the backbone optional):

    - ``backbone``: encodes every view, as above;
    - ``neck``: projects the features, ``(..., C)`` -> ``(..., D)``; the
      algorithm L2-normalises the result (the *embedding*);
    - ``head``: the contrastive loss of the embeddings and their targets
      (:meth:`contrastive_targets`);
    - ``cls_head`` (clip level): a classifier on the pooled features of
      every view, trained with cross-entropy on features scaled in the
      backward by ``joint_ce_weight`` (0: detached, an online linear probe
      that does not train the encoder). At test time its scores are
      averaged over the views of each video.

    A subclass declares what it varies as class attributes, checked here
    once (its definition, then every construction): ``allowed_positives``
    and ``default_positives``, ``view_dims``, ``feature_level`` and
    ``requires_head``; it writes :meth:`loss` (abstract: the method's
    objective), for the usual one a call of :meth:`contrastive_loss`.
    ``predict`` and ``mode='tensor'`` are shared at the clip level.

    Args:
        backbone (dict): Backbone config (as :class:`BaseRecognizer`).
        neck (dict, optional): Projection config. Defaults to None.
        head (dict, optional): Contrastive head config. Defaults to None.
        cls_head (dict, optional): Classifier config. Defaults to None.
        positives (str, optional): Contrastive targets, one of the class's
            ``allowed_positives``: ``'label'`` (views of the same class are
            positives, supervised) or ``'video'`` (only the views of the
            same video, self-supervised). Defaults to None: the class's
            ``default_positives``.
        joint_ce_weight (float): Gradient scale of the classifier's loss on
            the encoder, >= 0. Defaults to 0 (linear probe).
        channels_last (bool): Run the backbone's convolutions in
            channels-last memory format (``channels_last_3d`` for 3D ones):
            faster on GPUs with tensor cores under mixed precision
            (docs/performance.md). Defaults to False.
        train_cfg, test_cfg, data_preprocessor: As :class:`BaseRecognizer`.
    """

    #: The contrastive targets this method may use (see ``positives``).
    allowed_positives: Tuple[str, ...] = POSITIVES
    #: ``positives`` when the config gives none.
    default_positives: str = 'video'
    #: Dimensions of one view: 3, a grid image ``(3, H, W)``; 4, a clip
    #: ``(3, T, H, W)``; None, any (inputs ``(B, V, *view)``).
    view_dims: Optional[int] = None
    #: ``'clip'``: one pooled feature per view; ``'frame'``: one per frame.
    feature_level: str = 'clip'
    #: Whether the method is nothing without its contrastive head (and
    #: neck); SCFA without them is a plain classifier.
    requires_head: bool = False
    #: The stages of ``mode='tensor'`` (clip level).
    stages = ('embedding', 'backbone', 'head')
    #: Old state-dict key prefixes -> new ones; a subclass lists the moves
    #: of its own history so that its old checkpoints keep loading.
    renamed_state_dict_prefixes: Dict[str, str] = dict()

    def __init_subclass__(cls, **kwargs) -> None:
        """Refuse a subclass whose declarations contradict each other, when
        it is defined (at import), not when a config first builds it."""
        super().__init_subclass__(**kwargs)
        name = cls.__name__
        if not cls.allowed_positives or not set(
                cls.allowed_positives) <= set(POSITIVES):
            raise ValueError(f'{name}: allowed_positives must be a non-empty '
                             f'subset of {POSITIVES}, got '
                             f'{cls.allowed_positives!r}')
        check_choice(name, 'default_positives', cls.default_positives,
                     cls.allowed_positives)
        check_choice(name, 'view_dims', cls.view_dims, VIEW_SHAPES)
        check_choice(name, 'feature_level', cls.feature_level, FEATURE_LEVELS)
        if cls.feature_level == 'frame' and cls.view_dims != 4:
            raise ValueError(f'{name}: frame-level features need clips '
                             '(view_dims = 4)')

    def __init__(self,
                 backbone: dict,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 cls_head: OptConfigType = None,
                 positives: Optional[str] = None,
                 joint_ce_weight: float = 0.0,
                 channels_last: bool = False,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        name = type(self).__name__
        if positives is None:
            positives = self.default_positives
        check_choice(name, 'positives', positives, self.allowed_positives)
        check_number(name, 'joint_ce_weight', joint_ce_weight, minimum=0)
        if head is not None and neck is None:
            raise ValueError(f'{name}: a contrastive head needs a neck that '
                             'makes the embeddings')
        if self.requires_head and head is None:
            raise ValueError(f'{name} needs a contrastive head (and a neck)')
        if self.feature_level == 'frame' and cls_head is not None:
            raise ValueError(f'{name}: its features are frame-level; a '
                             'cls_head classifies pooled (clip-level) ones')
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

    def check_inputs(self, inputs: torch.Tensor) -> None:
        """Refuse inputs that are not ``(B, V, *view)`` with a view of
        ``view_dims`` dimensions, naming the model and the shape it
        expects."""
        if self.view_dims is None:
            ok = inputs.dim() >= 3
        else:
            ok = inputs.dim() == 2 + self.view_dims
        if not ok:
            raise ValueError(f'{type(self).__name__}: expected '
                             f'{VIEW_SHAPES[self.view_dims]}, got '
                             f'{tuple(inputs.shape)}')

    def extract_feat(self,
                     inputs: torch.Tensor,
                     masks: Optional[torch.Tensor] = None,
                     **kwargs) -> Tuple[torch.Tensor, int]:
        """Backbone features of every view (after :meth:`check_inputs`).

        Args:
            inputs (torch.Tensor): ``(B, V, *view)``.
            masks (torch.Tensor, optional): ``(B, V, T)`` bool, the real
                (not padded) frames; frame level only. Defaults to None.

        Returns:
            tuple: The features, video-major: ``(B*V, C)`` pooled (clip
            level) or ``(B*V, T, C)`` (frame level); and ``V``.
        """
        self.check_inputs(inputs)
        num_views = inputs.shape[1]
        views = inputs.flatten(0, 1)
        if self.feature_level == 'frame':
            if masks is not None:
                masks = masks.flatten(0, 1)
            return self.backbone(views, masks), num_views
        if self.channels_last and views.dim() in (4, 5):
            views = views.contiguous(
                memory_format=channels_last_format(views.dim()))
        feats = self.backbone(views)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        return global_average_pool(feats), num_views

    def embed(self, feats: torch.Tensor) -> torch.Tensor:
        """``(N, C)`` features (pooled views, or frames) -> ``(N, D)``
        L2-normalised embeddings."""
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

    def contrastive_loss(self, inputs: torch.Tensor,
                         data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """The usual objective at the clip level: embed every view,
        contrast the embeddings with :meth:`contrastive_targets` in the head
        (if there is one), and add :meth:`classifier_loss`.

        Args:
            inputs (torch.Tensor): ``(B, V, *view)``.
            data_samples (list[ActionDataSample]): ``B`` samples.

        Returns:
            dict: The head's losses (``loss_supcon`` for ``SupConHead``),
            then ``loss_cls`` and ``top{k}_acc`` with a ``cls_head``.
        """
        feats, num_views = self.extract_feat(inputs)
        losses = dict()
        if self.with_head:
            targets = self.contrastive_targets(data_samples, num_views,
                                               feats.device)
            losses.update(self.head.loss(self.embed(feats), targets))
        losses.update(self.classifier_loss(feats, data_samples, num_views))
        return losses

    @abstractmethod
    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """The method's losses; written by every algorithm (most return
        :meth:`contrastive_loss`)."""

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
        check_choice(type(self).__name__, 'stage', stage, self.stages)
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
