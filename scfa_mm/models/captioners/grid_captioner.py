"""A video captioner that reads a video as one frame grid."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmpretrain.models.utils import build_2d_sincos_position_embedding

from ...datasets.video_caption_dataset import VideoCaptionDataset
from ...utils.arguments import check_choice, check_int, check_number
from ...utils.checkpoint import load_checkpoint_file
from .vocabulary import CaptionVocabulary

#: How frames become visual tokens: 'grid' encodes the grid of a video (an
#: image whose cells are its frames, in time order) and keeps every
#: position of the feature map; 'mean' encodes every frame alone and
#: averages the feature maps over time (order-free, as TSN).
FRAME_AGGREGATIONS = ('grid', 'mean')


@MODELS.register_module()
class GridCaptioner(BaseModel):
    """Caption a video from its SCFA frame grid.

    A 2D backbone encodes the grid (16 frames tiled 4x4 in time order) into
    a feature map; each position of the map becomes a visual token
    (projected to the decoder's width, with a 2D sine-cosine position), so
    the decoder can attend to single cells, i.e. moments. A Transformer
    decoder (:class:`CaptionTransformerDecoder`) writes the caption:
    teacher forcing with label smoothing in training, beam (or greedy)
    search at test.

    The word vocabulary is built from the training captions when the model
    is built, and saved in every checkpoint (the state dict's
    ``_extra_state``); loading a checkpoint whose vocabulary differs from
    the model's is an error.

    Args:
        backbone (dict): A 2D backbone whose (last) output is a feature map
            ``(N, visual_channels, h, w)``, e.g. MMAction2's ``ResNet``.
        decoder (dict): The text decoder; ``vocab_size`` and the special
            token ids are set from the vocabulary.
        vocabulary (dict): ``dict(ann_file=..., min_count=1,
            max_words=None)`` builds it from a caption annotation file (the
            training one), ``dict(words=[...])`` gives it.
        visual_channels (int): Channels of the backbone's feature map.
        frame_aggregation (str): ``'grid'`` (inputs ``(N, 1, C, H, W)``: one
            grid per video) or ``'mean'`` (inputs ``(N, T, C, H, W)``: the
            frames, encoded one by one, their feature maps averaged over
            time: the order-free baseline).
        token_shape (tuple[int, int], optional): Pool the feature map to
            this many positions (e.g. ``(4, 4)``: one token per cell of a
            4x4 grid). None keeps the map as it is.
        backbone_checkpoint (str, optional): A checkpoint (e.g. SCFA's)
            whose ``backbone.*`` weights initialise the backbone; all of
            them must fit.
        freeze_backbone (bool): Keep the backbone's weights and
            normalisation statistics fixed.
        label_smoothing (float): Of the word cross-entropy.
        captions_per_video (int, optional): Captions of a video trained on
            per step, drawn at random; None: all of them (the visual tokens
            are computed once and shared).
        beam_size (int): Beam width at test; 1 is greedy search.
        length_penalty (float): See
            :meth:`CaptionTransformerDecoder.beam_search`.
        max_length (int, optional): Longest caption in tokens, ``<bos>``
            and ``<eos>`` included; default the decoder's ``max_length``.
        data_preprocessor (dict, optional): E.g. MMAction2's
            ``ActionDataPreprocessor`` with ``format_shape='NCHW'``.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 decoder: dict,
                 vocabulary: dict,
                 visual_channels: int,
                 frame_aggregation: str = 'grid',
                 token_shape: Optional[Tuple[int, int]] = None,
                 backbone_checkpoint: Optional[str] = None,
                 freeze_backbone: bool = False,
                 label_smoothing: float = 0.1,
                 captions_per_video: Optional[int] = None,
                 beam_size: int = 3,
                 length_penalty: float = 1.0,
                 max_length: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if isinstance(data_preprocessor, dict):
            # MMAction2's registry, not MMEngine's (as its recognizers do)
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        owner = type(self).__name__
        check_choice(owner, 'frame_aggregation', frame_aggregation,
                     FRAME_AGGREGATIONS)
        check_int(owner, visual_channels=visual_channels, beam_size=beam_size)
        if captions_per_video is not None:
            check_int(owner, captions_per_video=captions_per_video)
        check_number(owner, 'label_smoothing', label_smoothing, 0, 1)
        self.vocabulary = build_vocabulary(vocabulary)
        self.backbone = MODELS.build(backbone)
        self.decoder = MODELS.build(
            dict(
                decoder,
                vocab_size=len(self.vocabulary),
                pad_id=self.vocabulary.pad_id,
                bos_id=self.vocabulary.bos_id,
                eos_id=self.vocabulary.eos_id))
        embed_dims = self.decoder.embed_dims
        self.visual_projection = nn.Sequential(
            nn.Linear(visual_channels, embed_dims), nn.LayerNorm(embed_dims))
        self.frame_aggregation = frame_aggregation
        self.token_shape = None if token_shape is None else tuple(token_shape)
        self.backbone_checkpoint = backbone_checkpoint
        self.freeze_backbone = freeze_backbone
        self.label_smoothing = label_smoothing
        self.captions_per_video = captions_per_video
        self.beam_size = beam_size
        self.length_penalty = length_penalty
        self.max_length = max_length or self.decoder.max_length
        if freeze_backbone:
            self.backbone.requires_grad_(False)

    # -- weights ----------------------------------------------------------

    def init_weights(self) -> None:
        super().init_weights()
        if self.backbone_checkpoint is not None:
            load_backbone_weights(self.backbone, self.backbone_checkpoint)

    def train(self, mode: bool = True) -> 'GridCaptioner':
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()  # batch-norm statistics stay as loaded
        return self

    def get_extra_state(self) -> dict:
        return dict(caption_vocabulary=self.vocabulary.words)

    def set_extra_state(self, state: dict) -> None:
        words = state.get('caption_vocabulary') if isinstance(state,
                                                              dict) else None
        if words is None:
            raise ValueError('the checkpoint holds no caption vocabulary '
                             '(state_dict["_extra_state"]); it was not '
                             'written by GridCaptioner')
        saved = CaptionVocabulary(words)
        if saved != self.vocabulary:
            differing = next((i for i, (
                a, b) in enumerate(zip(saved.tokens, self.vocabulary.tokens))
                              if a != b),
                             min(len(saved), len(self.vocabulary)))
            raise ValueError(
                f'the checkpoint\'s caption vocabulary ({len(saved)} tokens) '
                f'is not the model\'s ({len(self.vocabulary)} tokens; first '
                f'difference at id {differing}): its word ids would be read '
                'as other words. Build the model with the vocabulary of the '
                'training captions the checkpoint was trained on, or with '
                'model.vocabulary=dict(words=...) read from the checkpoint '
                '(vocabulary_from_checkpoint).')

    # -- features ---------------------------------------------------------

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Visual tokens of a batch.

        Args:
            inputs (torch.Tensor): ``(N, 1, C, H, W)`` grids, or ``(N, T, C,
                H, W)`` frames with ``frame_aggregation='mean'``.

        Returns:
            torch.Tensor: ``(N, S, D)``: ``S`` positions of the feature map
            (``h * w``, or ``token_shape``), ``D`` the decoder's width.
        """
        if inputs.dim() != 5:
            raise ValueError(
                f'{type(self).__name__} expects inputs (N, V, C, H, W), got '
                f'shape {tuple(inputs.shape)}')
        num_videos, num_images = inputs.shape[:2]
        if self.frame_aggregation == 'grid' and num_images != 1:
            raise ValueError(
                f'{type(self).__name__}(frame_aggregation=\'grid\') reads one '
                f'grid per video, got {num_images} views per video (inputs '
                f'{tuple(inputs.shape)}): sample one view '
                '(TemporalMultiView(num_views=1))')
        feats = self.backbone(inputs.flatten(0, 1))
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        # (N * T, C, h, w) -> (N, C, h, w): for 'grid', T = 1
        feats = feats.view(num_videos, num_images, *feats.shape[1:]).mean(1)
        if self.token_shape is not None:
            feats = F.adaptive_avg_pool2d(feats, self.token_shape)
        height, width = feats.shape[-2:]
        tokens = self.visual_projection(feats.flatten(2).transpose(1, 2))
        return tokens + grid_positions(height, width,
                                       tokens.size(-1)).to(tokens)

    # -- training and test ------------------------------------------------

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    def training_captions(
            self, data_samples: SampleList) -> Tuple[List[str], torch.Tensor]:
        """The captions trained on in this step and the video of each.

        Returns:
            tuple: ``captions`` (list of str) and ``(len(captions), )``
            indices of their videos in the batch.
        """
        captions, owners = [], []
        for index, sample in enumerate(data_samples):
            references = sample.get('gt_captions')
            if not references:
                raise ValueError(
                    f'video {sample.get("video_id", index)!r} has no '
                    'gt_captions to train on: pack them with '
                    "PackActionInputs(algorithm_keys=('gt_captions', ))")
            if self.captions_per_video is not None and \
                    len(references) > self.captions_per_video:
                chosen = torch.randperm(
                    len(references))[:self.captions_per_video]
                references = [references[i] for i in chosen.tolist()]
            captions += references
            owners += [index] * len(references)
        return captions, torch.tensor(owners)

    def loss(self, inputs: torch.Tensor,
             data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Teacher-forced word cross-entropy of every training caption.

        Returns:
            dict: ``loss_caption`` and ``word_acc`` (the share of next words
            predicted right under teacher forcing, padding excluded).
        """
        memory = self.extract_feat(inputs)
        captions, owners = self.training_captions(data_samples)
        tokens = self.vocabulary.encode_batch(captions, self.max_length).to(
            memory.device)
        logits = self.decoder(tokens[:, :-1], memory[owners.to(memory.device)])
        targets = tokens[:, 1:]
        loss = F.cross_entropy(
            logits.flatten(0, 1).float(),
            targets.flatten(),
            ignore_index=self.vocabulary.pad_id,
            label_smoothing=self.label_smoothing)
        with torch.no_grad():
            words = targets != self.vocabulary.pad_id
            word_acc = (logits.argmax(-1) == targets)[words].float().mean()
        return dict(loss_caption=loss, word_acc=word_acc)

    def generate(self, memory: torch.Tensor) -> torch.Tensor:
        """``(N, L)`` token ids of the captions of ``(N, S, D)`` visual
        tokens (beam search, or greedy with ``beam_size=1``)."""
        if self.beam_size == 1:
            return self.decoder.greedy_search(memory, self.max_length)
        return self.decoder.beam_search(memory, self.beam_size,
                                        self.max_length, self.length_penalty)

    def predict(self, inputs: torch.Tensor,
                data_samples: SampleList) -> SampleList:
        """Write ``pred_caption`` (str) into every data sample."""
        tokens = self.generate(self.extract_feat(inputs))
        for sample, ids in zip(data_samples, tokens.tolist()):
            sample.pred_caption = self.vocabulary.decode(ids)
        return data_samples


def grid_positions(height: int, width: int, dims: int) -> torch.Tensor:
    """2D sine-cosine positions of a row-major ``height x width`` map.

    Returns:
        torch.Tensor: ``(height * width, dims)``; row ``y * width + x`` codes
        ``(x, y)``.
    """
    # MMPretrain's table is ordered x-major (row x * height + y)
    table = build_2d_sincos_position_embedding((height, width), dims)[0]
    return table.view(width, height, dims).transpose(0, 1).reshape(-1, dims)


def build_vocabulary(cfg: Union[dict, CaptionVocabulary]) -> CaptionVocabulary:
    """A :class:`CaptionVocabulary` from ``dict(words=[...])`` or
    ``dict(ann_file=..., min_count=1, max_words=None)``."""
    if isinstance(cfg, CaptionVocabulary):
        return cfg
    cfg = dict(cfg)
    if 'words' in cfg and 'ann_file' not in cfg:
        return CaptionVocabulary(cfg['words'])
    if 'ann_file' in cfg and 'words' not in cfg:
        unknown = set(cfg) - {'ann_file', 'min_count', 'max_words'}
        if unknown:
            raise ValueError(f'model.vocabulary: unknown keys '
                             f'{sorted(unknown)}; allowed: ann_file, '
                             'min_count, max_words')
        captions = VideoCaptionDataset.read_captions(cfg['ann_file'])
        return CaptionVocabulary.from_captions(captions,
                                               cfg.get('min_count', 1),
                                               cfg.get('max_words'))
    raise ValueError('model.vocabulary must give either words=[...] or '
                     f'ann_file=... (the training captions), got {cfg}')


def vocabulary_from_checkpoint(checkpoint: Union[str, dict]) -> List[str]:
    """The caption vocabulary's words saved in a GridCaptioner checkpoint
    (a file or a loaded checkpoint)."""
    if isinstance(checkpoint, str):
        name = checkpoint
        checkpoint = load_checkpoint_file(checkpoint, map_location='cpu')
    else:
        name = 'the checkpoint'
    state_dict = checkpoint.get('state_dict', checkpoint)
    state = state_dict.get('_extra_state',
                           state_dict.get('module._extra_state'))
    if not isinstance(state, dict) or 'caption_vocabulary' not in state:
        raise ValueError(f'{name} holds no caption vocabulary: it is not a '
                         'GridCaptioner checkpoint')
    return list(state['caption_vocabulary'])


def load_backbone_weights(backbone: nn.Module, filename: str) -> None:
    """Load the ``backbone.*`` weights of a checkpoint (e.g. SCFA's) into
    ``backbone``; every backbone weight must be there, with its shape."""
    checkpoint = load_checkpoint_file(filename, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    prefix = 'backbone.'
    weights = {
        key[len(prefix):]: value
        for key, value in state_dict.items() if key.startswith(prefix)
    }
    if not weights:
        raise ValueError(f'{filename} has no {prefix}* weights to initialise '
                         'the captioner\'s backbone from')
    try:
        backbone.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        raise ValueError(
            f'the backbone weights of {filename} do not fit the captioner\'s '
            f'backbone (model.backbone must be the one it was trained '
            f'with): {error}') from error
    print_log(
        f'captioner backbone initialised from {filename} '
        f'({len(weights)} tensors)',
        logger='current')


__all__ = [
    'FRAME_AGGREGATIONS', 'GridCaptioner', 'build_vocabulary',
    'load_backbone_weights', 'vocabulary_from_checkpoint'
]
