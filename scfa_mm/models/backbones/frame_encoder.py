"""CARL's frame-level video encoder: a 2D CNN per frame, then a Transformer
over time."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import nn


def sine_cosine_encoding(positions: torch.Tensor,
                         channels: int) -> torch.Tensor:
    """The sine-cosine positional encoding of Vaswani et al. (2017).

    Args:
        positions (torch.Tensor): ``(T, )`` positions (may be fractional).
        channels (int): Even encoding width ``C``.

    Returns:
        torch.Tensor: ``(T, C)``; channel ``2k`` is
        ``sin(pos / 10000 ** (2k / C))``, channel ``2k + 1`` the cosine of
        the same angle.
    """
    frequencies = torch.exp(
        torch.arange(0, channels, 2, dtype=torch.float64) *
        (-math.log(10000.0) / channels))
    angles = positions.double()[:, None] * frequencies[None, :]
    encoding = torch.stack([angles.sin(), angles.cos()], dim=-1)
    return encoding.flatten(1).float()


@MODELS.register_module()
class FrameTransformerEncoder(BaseModule):
    """Frame-level video encoder (FVE) of CARL (Chen et al., CVPR 2022).

    Every frame goes through a 2D image backbone (ResNet-50 with its first
    stages frozen, in the paper) and is pooled to ``(C, )``; a
    transformation block (two fully connected layers with BatchNorm and
    ReLU) maps it to ``embed_channels``; the sine-cosine positional encoding
    of its position in the sequence is added; a Transformer encoder
    (``torch.nn.TransformerEncoderLayer``, pre-norm as in the authors'
    code) mixes the frames; a linear layer gives one ``out_channels``
    representation per frame::

        (N, 3, T, H, W) -> image backbone per frame, in chunks -> (N, T, C)
        -> FC-BN-ReLU x 2 -> + positions -> Transformer -> linear
        -> (N, T, out_channels)

    Padded frames (``masks`` False) are left out of attention. The 2D
    backbone sees ``chunk_size`` frames at a time, so a whole long video
    can be embedded at test time with bounded memory. Positions are the
    frame's index in the sequence; a sequence longer or shorter than
    ``num_train_frames`` (a whole video at test time) spreads its positions
    evenly over ``[0, num_train_frames - 1]``, the range seen in training,
    as the authors' code does.

    Args:
        image_backbone (dict): A 2D backbone config (e.g. MMAction2's
            ``ResNet`` with ``frozen_stages=3``), returning ``(N, C, h, w)``
            maps or a tuple whose last item is.
        in_channels (int): ``C``, channels of the backbone's maps.
        embed_channels (int): Width of the transformation block and the
            Transformer. Defaults to 256.
        out_channels (int): Size of a frame representation. Defaults to 128.
        num_layers (int): Transformer layers. Defaults to 3.
        num_heads (int): Attention heads. Defaults to 8.
        ffn_channels (int): Transformer feed-forward width. Defaults to
            1024.
        dropout (float): Dropout in the transformation block and the
            Transformer. Defaults to 0.1.
        spatial_pool (str): ``'max'`` (the authors' code) or ``'avg'``.
            Defaults to 'max'.
        num_train_frames (int): Frames per training view; the range of
            positions. Defaults to 80.
        chunk_size (int): Frames per pass of the image backbone.
            Defaults to 64.
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
                 spatial_pool: str = 'max',
                 num_train_frames: int = 80,
                 chunk_size: int = 64,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels), ('embed_channels',
                                                           embed_channels),
                            ('out_channels', out_channels),
                            ('num_heads', num_heads), ('ffn_channels',
                                                       ffn_channels),
                            ('num_train_frames',
                             num_train_frames), ('chunk_size', chunk_size)):
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f'FrameTransformerEncoder: {name} must be '
                                 f'an integer >= 1, got {value!r}')
        if embed_channels % num_heads or embed_channels % 2:
            raise ValueError(
                'FrameTransformerEncoder: embed_channels must be even and '
                f'divisible by num_heads, got {embed_channels} and '
                f'{num_heads}')
        if not (isinstance(num_layers, int) and num_layers >= 0):
            raise ValueError('FrameTransformerEncoder: num_layers must be an '
                             f'integer >= 0, got {num_layers!r}')
        if spatial_pool not in ('max', 'avg'):
            raise ValueError('FrameTransformerEncoder: spatial_pool must be '
                             f"'max' or 'avg', got {spatial_pool!r}")
        self.image_backbone = MODELS.build(image_backbone)
        self.spatial_pool = spatial_pool
        self.num_train_frames = num_train_frames
        self.chunk_size = chunk_size
        self.embed_channels = embed_channels
        self.transform_block = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(in_channels, embed_channels),
            nn.BatchNorm1d(embed_channels), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(embed_channels, embed_channels),
            nn.BatchNorm1d(embed_channels), nn.ReLU(inplace=True))
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
            self.temporal_encoder = nn.TransformerEncoder(
                layer, num_layers, enable_nested_tensor=False)
        self.output_layer = nn.Linear(embed_channels, out_channels)

    def frame_features(self, frames: torch.Tensor) -> torch.Tensor:
        """``(M, 3, H, W)`` frames -> ``(M, C)`` pooled backbone features,
        ``chunk_size`` frames at a time."""
        pool = F.adaptive_max_pool2d if self.spatial_pool == 'max' \
            else F.adaptive_avg_pool2d
        pooled = []
        for chunk in frames.split(self.chunk_size):
            maps = self.image_backbone(chunk)
            if isinstance(maps, (tuple, list)):
                maps = maps[-1]
            pooled.append(pool(maps, 1).flatten(1))
        return torch.cat(pooled)

    def positions(self, num_frames: int, device: torch.device) -> torch.Tensor:
        """``(T, embed_channels)`` positional encoding of a sequence: its
        frames spread evenly over ``[0, num_train_frames - 1]`` (a training
        view's positions are 0, 1, ..., T - 1)."""
        positions = torch.linspace(
            0, self.num_train_frames - 1, num_frames, dtype=torch.float64)
        return sine_cosine_encoding(positions, self.embed_channels).to(device)

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
        num_clips, _, num_frames = clips.shape[:3]
        frames = clips.transpose(1, 2).flatten(0, 1)  # (N*T, 3, H, W)
        feats = self.transform_block(self.frame_features(frames))
        feats = feats.unflatten(0, (num_clips, num_frames))
        feats = self.position_dropout(
            feats + self.positions(num_frames, feats.device).to(feats.dtype))
        if self.temporal_encoder is not None:
            padding = None if masks is None else ~masks.bool()
            feats = self.temporal_encoder(feats, src_key_padding_mask=padding)
        return self.output_layer(feats)
