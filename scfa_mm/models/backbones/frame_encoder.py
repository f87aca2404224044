"""CARL's frame-level video encoder: a 2D CNN per frame, then a Transformer
over time."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

from ...utils.arguments import check_choice, check_int

POSITION_FREQUENCIES = ('pairwise', 'per_channel')
TRANSFORMER_INITS = ('pytorch', 'xavier')


def sine_cosine_encoding(positions: torch.Tensor,
                         channels: int,
                         frequencies: str = 'pairwise') -> torch.Tensor:
    """The sine-cosine positional encoding of Vaswani et al. (2017).

    Args:
        positions (torch.Tensor): ``(T, )`` positions (may be fractional).
        channels (int): Even encoding width ``C``.
        frequencies (str): ``'pairwise'`` (Vaswani et al.): channel ``2k``
            is ``sin(pos / 10000 ** (2k / C))``, channel ``2k + 1`` the
            cosine of the same angle. ``'per_channel'`` (the CARL
            authors' code): every channel ``i`` has its own angle
            ``pos / 10000 ** (i / C)``, sine for even ``i``, cosine for
            odd ``i``. Defaults to 'pairwise'.

    Returns:
        torch.Tensor: ``(T, C)``.
    """
    check_choice('sine_cosine_encoding', 'frequencies', frequencies,
                 POSITION_FREQUENCIES)
    channel = torch.arange(channels)
    is_cosine = channel.remainder(2) == 1
    exponent = channel.double()
    if frequencies == 'pairwise':
        exponent = exponent - is_cosine.double()  # 2k for 2k and 2k + 1
    angles = positions.double()[:, None] * torch.exp(
        exponent * (-math.log(10000.0) / channels))[None, :]
    return torch.where(is_cosine, angles.cos(), angles.sin()).float()


def _init_like_linear_layers(layer: nn.TransformerEncoderLayer) -> None:
    """Xavier-uniform weights for every matrix of a Transformer layer, the
    query, key and value projections each as its own ``(C, C)`` matrix, and
    the biases of ``nn.Linear`` (uniform in ``+-1 / sqrt(fan_in)``): the
    initialisation of the CARL authors' code, whose attention has one
    ``nn.Linear`` per projection."""
    attention = layer.self_attn
    channels = attention.embed_dim
    bound = 1 / math.sqrt(channels)
    for weight in attention.in_proj_weight.data.chunk(3):
        nn.init.xavier_uniform_(weight)
    nn.init.uniform_(attention.in_proj_bias, -bound, bound)
    nn.init.xavier_uniform_(attention.out_proj.weight)
    nn.init.uniform_(attention.out_proj.bias, -bound, bound)
    for linear in (layer.linear1, layer.linear2):
        nn.init.xavier_uniform_(linear.weight)
        nn.init.uniform_(linear.bias, -1 / math.sqrt(linear.in_features),
                         1 / math.sqrt(linear.in_features))


@MODELS.register_module()
class FrameTransformerEncoder(BaseModule):
    """Frame-level video encoder (FVE) of CARL (Chen et al., CVPR 2022).

    Every frame goes through a 2D image backbone (ResNet-50 with its first
    stages frozen, in the paper) and is pooled to ``(C, )``; a
    transformation block (two fully connected layers with BatchNorm and
    ReLU, ``fc_channels`` wide) and, when that width is not the
    Transformer's, a linear layer map it to ``embed_channels``; the
    sine-cosine positional encoding of its position in the sequence is
    added; a Transformer encoder (``torch.nn.TransformerEncoderLayer``,
    pre-norm and without a final norm as in the authors' code) mixes the
    frames; a linear layer gives one ``out_channels`` representation per
    frame::

        (N, 3, T, H, W) -> image backbone per frame, in chunks -> (N, T, C)
        -> (Dropout-FC-BN-ReLU) x 2 -> [linear] -> + positions
        -> Transformer -> linear -> (N, T, out_channels)

    Padded frames (``masks`` False) are left out of attention. The 2D
    backbone sees ``chunk_size`` time steps of all clips at a time (as the
    authors' code does, which matters for the BatchNorm statistics of its
    trained stages), so a whole long video can be embedded at test time
    with bounded memory. Positions are the frame's index in the sequence;
    a sequence longer or shorter than ``num_train_frames`` (a whole video
    at test time) spreads its positions evenly over
    ``[0, num_train_frames - 1]``, the range seen in training, as the
    authors' code does.

    Args:
        image_backbone (dict): A 2D backbone config (e.g. MMAction2's
            ``ResNet`` with ``frozen_stages=3``), returning ``(N, C, h, w)``
            maps or a tuple whose last item is.
        in_channels (int): ``C``, channels of the backbone's maps.
        embed_channels (int): Width of the Transformer. Defaults to 256.
        out_channels (int): Size of a frame representation. Defaults to 128.
        num_layers (int): Transformer layers. Defaults to 3.
        num_heads (int): Attention heads. Defaults to 8.
        ffn_channels (int): Transformer feed-forward width. Defaults to
            1024.
        dropout (float): Dropout before each layer of the transformation
            block, after the positional encoding and on the residual
            branches of the Transformer. Defaults to 0.1.
        attention_dropout (float, optional): Dropout of the attention
            weights. Defaults to None: ``dropout``.
        ffn_dropout (float, optional): Dropout inside the feed-forward
            block, after its activation. Defaults to None: ``dropout``.
        fc_channels (int, optional): Width of the transformation block.
            Defaults to None: ``embed_channels``, and the block feeds the
            Transformer directly; otherwise a linear layer maps it to
            ``embed_channels``.
        position_frequencies (str): Frequencies of the positional encoding,
            ``'pairwise'`` or ``'per_channel'``; see
            :func:`sine_cosine_encoding`. Defaults to 'pairwise'.
        transformer_init (str): ``'pytorch'`` (PyTorch's defaults) or
            ``'xavier'`` (the authors' code; see
            :func:`_init_like_linear_layers`). Either way every layer
            starts as a copy of the first. Defaults to 'pytorch'.
        spatial_pool (str): ``'max'`` (the authors' code) or ``'avg'``.
            Defaults to 'max'.
        num_train_frames (int): Frames per training view; the range of
            positions. Defaults to 80.
        position_encoding (bool): Add the positional encoding (the
            method). False makes the encoder blind to frame order (each
            frame's representation then depends on its own content and on
            the set of the others), an ablation that takes a frame's
            position away as a cue. Defaults to True.
        chunk_size (int): Time steps per pass of the image backbone
            (``N * chunk_size`` frames). Defaults to 64.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 image_backbone: dict,
                 in_channels: int,
                 embed_channels: int = 256,
                 out_channels: int = 128,
                 num_layers: int = 3,
                 num_heads: int = 8,
                 ffn_channels: int = 1024,
                 dropout: float = 0.1,
                 attention_dropout: Optional[float] = None,
                 ffn_dropout: Optional[float] = None,
                 fc_channels: Optional[int] = None,
                 position_frequencies: str = 'pairwise',
                 transformer_init: str = 'pytorch',
                 spatial_pool: str = 'max',
                 num_train_frames: int = 80,
                 position_encoding: bool = True,
                 chunk_size: int = 64,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        fc_channels = embed_channels if fc_channels is None else fc_channels
        owner = 'FrameTransformerEncoder'
        check_int(
            owner,
            in_channels=in_channels,
            embed_channels=embed_channels,
            fc_channels=fc_channels,
            out_channels=out_channels,
            num_heads=num_heads,
            ffn_channels=ffn_channels,
            num_train_frames=num_train_frames,
            chunk_size=chunk_size)
        if embed_channels % num_heads or embed_channels % 2:
            raise ValueError(
                'FrameTransformerEncoder: embed_channels must be even and '
                f'divisible by num_heads, got {embed_channels} and '
                f'{num_heads}')
        check_int(owner, minimum=0, num_layers=num_layers)
        attention_dropout = dropout if attention_dropout is None \
            else attention_dropout
        ffn_dropout = dropout if ffn_dropout is None else ffn_dropout
        # [0, 1), which check_number cannot say (no open upper bound): a
        # dropout of 1 would zero every feature
        for name, value in (('dropout', dropout), ('attention_dropout',
                                                   attention_dropout),
                            ('ffn_dropout', ffn_dropout)):
            if not (isinstance(value, (int, float)) and 0 <= value < 1):
                raise ValueError(f'{owner}: {name} must be in [0, 1), got '
                                 f'{value!r}')
        check_choice(owner, 'spatial_pool', spatial_pool, ('max', 'avg'))
        check_choice(owner, 'position_frequencies', position_frequencies,
                     POSITION_FREQUENCIES)
        check_choice(owner, 'transformer_init', transformer_init,
                     TRANSFORMER_INITS)
        self.image_backbone = MODELS.build(image_backbone)
        self.spatial_pool = spatial_pool
        self.num_train_frames = num_train_frames
        self.chunk_size = chunk_size
        self.embed_channels = embed_channels
        self.position_frequencies = position_frequencies
        self.position_encoding = bool(position_encoding)
        self.transform_block = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(in_channels, fc_channels),
            nn.BatchNorm1d(fc_channels), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(fc_channels, fc_channels),
            nn.BatchNorm1d(fc_channels), nn.ReLU(inplace=True))
        # no parameters when the block is as wide as the Transformer, so
        # such checkpoints keep their keys
        self.input_projection = nn.Identity() \
            if fc_channels == embed_channels \
            else nn.Linear(fc_channels, embed_channels)
        self.position_dropout = nn.Dropout(dropout)
        self.temporal_encoder = None
        if num_layers > 0:
            layer = nn.TransformerEncoderLayer(
                embed_channels,
                num_heads,
                dim_feedforward=ffn_channels,
                dropout=dropout,
                batch_first=True,
                norm_first=True)
            layer.self_attn.dropout = float(attention_dropout)
            layer.dropout = nn.Dropout(ffn_dropout)
            if transformer_init == 'xavier':
                _init_like_linear_layers(layer)
            # nn.TransformerEncoder copies the layer: all start equal
            self.temporal_encoder = nn.TransformerEncoder(
                layer, num_layers, enable_nested_tensor=False)
        self.output_layer = nn.Linear(embed_channels, out_channels)

    def frame_features(self, clips: torch.Tensor) -> torch.Tensor:
        """``(N, 3, T, H, W)`` clips -> ``(N, T, C)`` pooled backbone
        features, ``chunk_size`` time steps of all clips at a time."""
        pool = F.adaptive_max_pool2d if self.spatial_pool == 'max' \
            else F.adaptive_avg_pool2d
        num_clips = clips.shape[0]
        pooled = []
        for chunk in clips.split(self.chunk_size, dim=2):
            frames = chunk.transpose(1, 2).flatten(0, 1)  # (N*t, 3, H, W)
            maps = self.image_backbone(frames)
            if isinstance(maps, (tuple, list)):
                maps = maps[-1]
            pooled.append(
                pool(maps, 1).flatten(1).unflatten(0, (num_clips, -1)))
        return torch.cat(pooled, dim=1)

    def positions(self, num_frames: int, device: torch.device) -> torch.Tensor:
        """``(T, embed_channels)`` positional encoding of a sequence: its
        frames spread evenly over ``[0, num_train_frames - 1]`` (a training
        view's positions are 0, 1, ..., T - 1)."""
        positions = torch.linspace(
            0, self.num_train_frames - 1, num_frames, dtype=torch.float64)
        return sine_cosine_encoding(positions, self.embed_channels,
                                    self.position_frequencies).to(device)

    def forward(self,
                clips: torch.Tensor,
                masks: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Frame representations.

        Args:
            clips (torch.Tensor): ``(N, 3, T, H, W)``.
            masks (torch.Tensor, optional): ``(N, T)`` bool, True for a real
                frame. Defaults to all real.

        Returns:
            torch.Tensor: ``(N, T, out_channels)``.
        """
        if clips.dim() != 5:
            raise ValueError('FrameTransformerEncoder: expected clips '
                             f'(N, 3, T, H, W), got {tuple(clips.shape)}')
        feats = self.frame_features(clips)  # (N, T, C)
        feats = self.input_projection(
            self.transform_block(feats.flatten(0, 1))).unflatten(
                0, feats.shape[:2])
        if self.position_encoding:
            feats = feats + self.positions(feats.shape[1], feats.device).to(
                feats.dtype)
        feats = self.position_dropout(feats)
        if self.temporal_encoder is not None:
            padding = None if masks is None else ~masks.bool()
            feats = self.temporal_encoder(feats, src_key_padding_mask=padding)
        return self.output_layer(feats)
