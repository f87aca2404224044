"""ViViT: A Video Vision Transformer (Arnab et al., ICCV 2021)."""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.utils.checkpoint as cp
from mmaction.registry import MODELS
from mmcv.cnn import build_norm_layer
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmengine.runner.checkpoint import _load_checkpoint
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from mmpretrain.models.utils import resize_pos_embed
from torch import nn

from ...utils.arguments import check_choice


@MODELS.register_module()
class ViViT(BaseModule):
    """ViViT backbone, Model 1 (spatio-temporal) or Model 2 (factorised
    encoder), built from mmpretrain's ``TransformerEncoderLayer``.

    A clip ``(B, C, T, H, W)`` is cut into tubelets of ``tubelet_size``
    ``(t, p, p)`` embedded by one 3D convolution, giving ``T' = T / t`` times
    ``N = (H / p) * (W / p)`` tokens, with learned position embeddings.

    - ``model_type='factorised_encoder'`` (Model 2, the default): a spatial
      transformer runs over the ``N`` tokens of each temporal index with its
      own CLS token; the ``T'`` spatial CLS outputs, plus a temporal CLS
      token, go through a temporal transformer.
    - ``model_type='spatio_temporal'`` (Model 1): one transformer attends
      jointly over all ``T' * N`` tokens and a CLS token.

    The output is the final CLS feature, ``(B, embed_dims)``.

    ``pretrained`` initialises from an image ViT checkpoint in mmpretrain's
    format (``VisionTransformer``, keys with or without ``backbone.``): the
    2D patch embedding is inflated to the tubelet embedding (``inflate=
    'central'``: the 2D kernel on the central frame, zeros elsewhere;
    ``'average'``: the 2D kernel divided by ``t`` on every frame), the
    spatial position embeddings are resized to the grid of patches and, for
    Model 1, repeated over time, the spatial layers, CLS token and final norm
    are copied, and the temporal encoder starts fresh. On a clip of
    identical frames the spatial CLS output then equals the image model's.

    Args:
        arch (str | dict): ``'base'`` (ViT-B: 768-d, 12 spatial layers, 12
            heads; 4 temporal layers), ``'tiny'`` (192-d, 4 + 2 layers,
            3 heads) or a dict with ``embed_dims``, ``num_layers``,
            ``num_heads``, ``feedforward_channels``, ``temporal_layers``.
        model_type (str): ``'factorised_encoder'`` or ``'spatio_temporal'``.
        num_frames (int): Input frames ``T``; a multiple of ``t``.
        img_size (int): Input height and width; a multiple of ``p``.
        tubelet_size (tuple[int, int, int]): ``(t, p, p)``.
        in_channels (int): Input channels. Defaults to 3.
        drop_rate (float): Dropout after position embedding and in the MLPs.
        attn_drop_rate (float): Attention-weight dropout.
        drop_path_rate (float): Stochastic depth, rising linearly per layer.
        with_cp (bool): Gradient checkpointing of every layer in training.
        pretrained (str, optional): Image ViT checkpoint to start from.
        inflate (str): ``'central'`` or ``'average'``.
        norm_cfg (dict): Normalisation layers. Defaults to LN, eps 1e-6.
        init_cfg (dict, optional): See :class:`BaseModule`.
    """

    arch_zoo = {
        'base':
        dict(
            embed_dims=768,
            num_layers=12,
            num_heads=12,
            feedforward_channels=3072,
            temporal_layers=4),
        'tiny':
        dict(
            embed_dims=192,
            num_layers=4,
            num_heads=3,
            feedforward_channels=768,
            temporal_layers=2),
    }
    model_types = ('factorised_encoder', 'spatio_temporal')
    inflate_modes = ('central', 'average')

    def __init__(self,
                 arch: Union[str, Dict] = 'base',
                 model_type: str = 'factorised_encoder',
                 num_frames: int = 32,
                 img_size: int = 224,
                 tubelet_size: Sequence[int] = (2, 16, 16),
                 in_channels: int = 3,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 with_cp: bool = False,
                 pretrained: Optional[str] = None,
                 inflate: str = 'central',
                 norm_cfg: Dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch = self._check_arch(arch)
        check_choice('ViViT', 'model_type', model_type, self.model_types)
        check_choice('ViViT', 'inflate', inflate, self.inflate_modes)
        tubelet_t, patch_h, patch_w = tubelet_size
        if patch_h != patch_w:
            raise ValueError(f'ViViT: tubelet_size needs square patches, '
                             f'got {tuple(tubelet_size)}')
        if num_frames < 1 or num_frames % tubelet_t:
            raise ValueError(f'ViViT: num_frames={num_frames} is not a '
                             f'positive multiple of the tubelet length '
                             f'{tubelet_t}')
        if img_size < 1 or img_size % patch_h:
            raise ValueError(f'ViViT: img_size={img_size} is not a positive '
                             f'multiple of the patch size {patch_h}')
        self.model_type = model_type
        self.num_frames = num_frames
        self.img_size = img_size
        self.tubelet_size = tuple(tubelet_size)
        self.num_temporal = num_frames // tubelet_t
        self.patch_grid = (img_size // patch_h, img_size // patch_w)
        self.num_patches = self.patch_grid[0] * self.patch_grid[1]
        self.with_cp = with_cp
        self.pretrained = pretrained
        self.inflate = inflate
        dims = self.arch['embed_dims']
        self.embed_dims = dims

        self.patch_embed = nn.Module()
        self.patch_embed.projection = nn.Conv3d(
            in_channels,
            dims,
            kernel_size=self.tubelet_size,
            stride=self.tubelet_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dims))
        spatial_tokens = self.num_patches if self.factorised else \
            self.num_patches * self.num_temporal
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + spatial_tokens, dims))
        self.drop_after_pos = nn.Dropout(p=drop_rate)

        num_layers = self.arch['num_layers']
        temporal_layers = self.arch['temporal_layers'] if self.factorised \
            else 0
        rates = torch.linspace(0, drop_path_rate,
                               num_layers + temporal_layers).tolist()

        def encoder(depth: int, first: int) -> nn.ModuleList:
            return nn.ModuleList(
                TransformerEncoderLayer(
                    embed_dims=dims,
                    num_heads=self.arch['num_heads'],
                    feedforward_channels=self.arch['feedforward_channels'],
                    drop_rate=drop_rate,
                    attn_drop_rate=attn_drop_rate,
                    drop_path_rate=rates[first + i],
                    norm_cfg=norm_cfg) for i in range(depth))

        self.layers = encoder(num_layers, 0)
        self.ln1 = build_norm_layer(norm_cfg, dims)[1]
        if self.factorised:
            self.temporal_cls_token = nn.Parameter(torch.zeros(1, 1, dims))
            self.temporal_pos_embed = nn.Parameter(
                torch.zeros(1, 1 + self.num_temporal, dims))
            self.temporal_layers = encoder(temporal_layers, num_layers)
            self.temporal_ln = build_norm_layer(norm_cfg, dims)[1]

    @property
    def factorised(self) -> bool:
        return self.model_type == 'factorised_encoder'

    def _check_arch(self, arch: Union[str, Dict]) -> Dict:
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ValueError(f'ViViT: arch must be one of '
                                 f'{tuple(self.arch_zoo)} or a dict, got '
                                 f'{arch!r}')
            return dict(self.arch_zoo[arch])
        needed = set(self.arch_zoo['base'])
        if not isinstance(arch, dict) or set(arch) != needed:
            raise ValueError(f'ViViT: a custom arch needs exactly the keys '
                             f'{sorted(needed)}, got {arch!r}')
        return dict(arch)

    def init_weights(self) -> None:
        """Truncated-normal position embeddings and CLS tokens, the layers'
        own init, then the image ViT checkpoint if ``pretrained``."""
        super().init_weights()
        for param in (self.pos_embed, self.cls_token):
            trunc_normal_(param, std=0.02)
        if self.factorised:
            trunc_normal_(self.temporal_pos_embed, std=0.02)
            trunc_normal_(self.temporal_cls_token, std=0.02)
        if self.pretrained:
            self.load_image_vit(self.pretrained)

    def inflate_image_vit(
            self, image_state: Dict[str,
                                    torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Map an image ViT's state dict onto this model's parameters.

        Args:
            image_state (dict): mmpretrain ``VisionTransformer`` weights
                (``backbone.`` prefixes allowed).

        Returns:
            dict: Weights for ``load_state_dict`` (spatial part only).
        """
        image_state = {
            key[len('backbone.'):] if key.startswith('backbone.') else key:
            value
            for key, value in image_state.items()
        }
        state = dict()
        for key, value in image_state.items():
            if key.startswith(
                ('layers.', 'ln1.')) or key in ('cls_token',
                                                'patch_embed.projection.bias'):
                state[key] = value
        kernel = image_state['patch_embed.projection.weight']  # (D, C, p, p)
        tubelet_t = self.tubelet_size[0]
        if self.inflate == 'central':
            weight = kernel.new_zeros(kernel.shape[:2] + (tubelet_t, ) +
                                      kernel.shape[2:])
            weight[:, :, tubelet_t // 2] = kernel
        else:
            weight = kernel.unsqueeze(2).repeat(1, 1, tubelet_t, 1, 1) \
                / tubelet_t
        state['patch_embed.projection.weight'] = weight
        pos_embed = image_state['pos_embed']  # (1, 1 + n, D)
        source_side = int(round((pos_embed.shape[1] - 1)**0.5))
        pos_embed = resize_pos_embed(
            pos_embed, (source_side, source_side),
            self.patch_grid,
            mode='bicubic',
            num_extra_tokens=1)
        if not self.factorised:
            cls_pos, patch_pos = pos_embed[:, :1], pos_embed[:, 1:]
            pos_embed = torch.cat(
                [cls_pos, patch_pos.repeat(1, self.num_temporal, 1)], dim=1)
        state['pos_embed'] = pos_embed
        return state

    def load_image_vit(self, filename: str) -> None:
        """Initialise the spatial part from an image ViT checkpoint."""
        checkpoint = _load_checkpoint(filename, map_location='cpu')
        state = checkpoint.get('state_dict', checkpoint)
        missing, unexpected = self.load_state_dict(
            self.inflate_image_vit(state), strict=False)
        if unexpected:
            raise KeyError(f'ViViT: unexpected keys from {filename}: '
                           f'{unexpected}')
        logger = MMLogger.get_current_instance()
        logger.info(f'ViViT: loaded {filename} ({self.inflate} inflation); '
                    f'trained from scratch: {missing}')

    def _run(self, layers: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
        for layer in layers:
            if self.with_cp and self.training and x.requires_grad:
                x = cp.checkpoint(layer, x, use_reentrant=False)
            else:
                x = layer(x)
        return x

    def _with_cls(self, tokens: torch.Tensor, cls_token: torch.Tensor,
                  pos_embed: torch.Tensor) -> torch.Tensor:
        cls = cls_token.expand(tokens.shape[0], -1, -1)
        return self.drop_after_pos(torch.cat([cls, tokens], dim=1) + pos_embed)

    def spatial_cls(self, x: torch.Tensor) -> torch.Tensor:
        """Spatial-encoder CLS outputs ``(B, T', D)`` of Model 2."""
        num_videos = x.shape[0]
        tokens = self.patch_embed.projection(x)  # (B, D, T', h, w)
        tokens = tokens.flatten(3).permute(0, 2, 3, 1)  # (B, T', N, D)
        tokens = tokens.flatten(0, 1)  # (B*T', N, D)
        tokens = self._with_cls(tokens, self.cls_token, self.pos_embed)
        tokens = self.ln1(self._run(self.layers, tokens))
        return tokens[:, 0].reshape(num_videos, self.num_temporal, -1)

    def _check_input(self, x: torch.Tensor) -> None:
        expected = (self.num_frames, self.img_size, self.img_size)
        if x.dim() != 5 or tuple(x.shape[2:]) != expected:
            raise ValueError(
                f'ViViT expects clips (B, C, {expected[0]}, {expected[1]}, '
                f'{expected[2]}), got {tuple(x.shape)}')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args:
            x (torch.Tensor): ``(B, C, T, H, W)`` clips.

        Returns:
            torch.Tensor: CLS features ``(B, embed_dims)``.
        """
        self._check_input(x)
        if self.factorised:
            frames = self.spatial_cls(x)
            frames = self._with_cls(frames, self.temporal_cls_token,
                                    self.temporal_pos_embed)
            frames = self._run(self.temporal_layers, frames)
            return self.temporal_ln(frames)[:, 0]
        tokens = self.patch_embed.projection(x).flatten(2).transpose(1, 2)
        tokens = self._with_cls(tokens, self.cls_token, self.pos_embed)
        return self.ln1(self._run(self.layers, tokens))[:, 0]
