"""Convert a checkpoint of the CARL authors' code to our ``CARL`` model.

The authors' ``train.py`` saves ``{'epoch', 'model_state',
'optimizer_state', 'cfg'}``, where ``model_state`` is the state dict of
their ``TransformerModel`` (torchvision ResNet-50 split after stage 3 into
``backbone`` and ``res_finetune``, the frame embedder ``embed``, the
projection head ``ssl_projection``). This tool renames every tensor to our
model's names (MMAction2's ResNet: ``conv1.conv``, ``layerN.M.conv1.bn``,
``downsample.conv`` ...), joins the separate query, key and value
projections into ``nn.MultiheadAttention``'s ``in_proj_weight`` and folds
the projection head's bias before its BatchNorm into the running mean
(exact: the BatchNorm subtracts it again). It then checks the result
against the model that the config builds: a tensor that has no place, a
place left empty or a shape that differs stops it, naming them all. The
output is an MMEngine checkpoint (``state_dict`` and plain ``meta``) that
``tools/test.py``, ``tools/analysis/evaluate_frames.py`` and ``load_from``
read.

Only the release's Penn Action layout (``MODEL.BASE_MODEL.LAYER: 3``,
``EMBEDDER_TYPE: transformer``, ``PROJECTION: true``) is known. The input is
unpickled in full (it holds the release's config object): convert only
files you trust.

Example:
    python tools/convert/carl_release_checkpoint.py \\
        checkpoint_epoch_00299.pth checkpoints/carl_penn_action_release.pth
"""
import argparse
import os
import os.path as osp
import pickle
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Mapping, Tuple

import torch

DEFAULT_CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'carl', 'carl_r50-transformer_4xb1-300e_penn-action.py')

# release module prefix -> ours; torchvision's children 0, 1, 4, 5, 6 are
# conv1, bn1, layer1, layer2, layer3 (2 and 3 are ReLU and max pooling)
_IMAGE = 'backbone.image_backbone.'
_LAYER = 'backbone.temporal_encoder.layers.'
_RENAMES: List[Tuple[str, str]] = [
    (r'^backbone\.0\.', _IMAGE + 'conv1.conv.'),
    (r'^backbone\.1\.', _IMAGE + 'conv1.bn.'),
    (r'^backbone\.4\.', _IMAGE + 'layer1.'),
    (r'^backbone\.5\.', _IMAGE + 'layer2.'),
    (r'^backbone\.6\.', _IMAGE + 'layer3.'),
    (r'^res_finetune\.', _IMAGE + 'layer4.'),
    (r'^embed\.fc_layers\.', 'backbone.transform_block.'),
    (r'^embed\.video_emb\.', 'backbone.input_projection.'),
    (r'^embed\.video_encoder\.enc_layers\.', _LAYER),
    (r'^embed\.embedding_layer\.', 'backbone.output_layer.'),
    (r'^ssl_projection\.net\.', 'neck.mlp.'),
]
# inside a bottleneck block and a Transformer layer
_BLOCK_RENAMES: List[Tuple[str, str]] = [
    (r'(layer\d\.\d+\.)conv(\d)\.', r'\1conv\2.conv.'),
    (r'(layer\d\.\d+\.)bn(\d)\.', r'\1conv\2.bn.'),
    (r'(layer\d\.\d+\.downsample\.)0\.', r'\1conv.'),
    (r'(layer\d\.\d+\.downsample\.)1\.', r'\1bn.'),
    (r'(layers\.\d+\.)res_layer0\.norm\.', r'\1norm1.'),
    (r'(layers\.\d+\.)res_layer1\.norm\.', r'\1norm2.'),
    (r'(layers\.\d+\.)self_att\.linear_d2Q\.', r'\1self_attn.out_proj.'),
    (r'(layers\.\d+\.)feed_forward\.fc1\.', r'\1linear1.'),
    (r'(layers\.\d+\.)feed_forward\.fc2\.', r'\1linear2.'),
]
_QKV = re.compile(r'^(.*layers\.\d+\.)self_att\.linear_([QKV])2d\.'
                  r'(weight|bias)$')
# the projection head's first linear layer, whose bias meets a BatchNorm
_PROJECTION_BIAS = 'ssl_projection.net.0.bias'
_PROJECTION_BN_MEAN = 'neck.mlp.1.running_mean'


class ConversionError(ValueError):
    """A release checkpoint that does not fit our model."""


def _rename(key: str) -> str:
    """Our name of a release tensor, or '' when no rule applies."""
    for pattern, prefix in _RENAMES:
        if re.match(pattern, key):
            key = re.sub(pattern, prefix, key)
            for block_pattern, replacement in _BLOCK_RENAMES:
                key = re.sub(block_pattern, replacement, key)
            return key
    return ''


def convert_state_dict(
        release: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Rename a release ``model_state`` to our ``CARL`` model's names.

    Args:
        release (Mapping[str, torch.Tensor]): The release's state dict, with
            or without DistributedDataParallel's ``module.`` prefix.

    Returns:
        OrderedDict[str, torch.Tensor]: Our state dict.

    Raises:
        ConversionError: Naming every release tensor that has no place
            (or an incomplete query/key/value triple).
    """
    if release and all(key.startswith('module.') for key in release):
        release = {
            key[len('module.'):]: value
            for key, value in release.items()
        }
    converted: Dict[str, torch.Tensor] = OrderedDict()
    qkv: Dict[Tuple[str, str], Dict[str, torch.Tensor]] = {}
    unknown = []
    for key, value in release.items():
        match = _QKV.match(key)
        if match:
            prefix, which, kind = match.groups()
            qkv.setdefault((prefix, kind), {})[which] = value
        elif key == _PROJECTION_BIAS:
            continue  # folded below
        elif _rename(key):
            converted[_rename(key)] = value
        else:
            unknown.append(key)
    for (prefix, kind), parts in qkv.items():
        if set(parts) != set('QKV'):
            unknown.extend(f'{prefix}self_att.linear_{which}2d.{kind}'
                           for which in sorted(parts))
            continue
        name = _rename(prefix) + f'self_attn.in_proj_{kind}'
        converted[name] = torch.cat([parts[which] for which in 'QKV'])
    if _PROJECTION_BIAS in release:
        if _PROJECTION_BN_MEAN not in converted:
            unknown.append(_PROJECTION_BIAS)
        else:
            # BN(z + b) = (z - (mean - b)) / std * gamma + beta
            converted[_PROJECTION_BN_MEAN] = (
                converted[_PROJECTION_BN_MEAN] - release[_PROJECTION_BIAS])
    if unknown:
        raise ConversionError(
            f'{len(unknown)} release tensors have no place in our CARL '
            f'model: {", ".join(sorted(unknown))}')
    return converted


def check_against(converted: Mapping[str, torch.Tensor],
                  expected: Mapping[str, torch.Tensor]) -> None:
    """Fail unless ``converted`` fills every tensor of ``expected`` (our
    model's state dict) with the same shape, and nothing else.

    Raises:
        ConversionError: Naming the tensors left empty, those that have no
            place and those whose shapes differ.
    """
    problems = []
    missing = sorted(set(expected) - set(converted))
    unexpected = sorted(set(converted) - set(expected))
    wrong_shape = [
        f'{key} {tuple(converted[key].shape)} (ours '
        f'{tuple(expected[key].shape)})' for key in converted
        if key in expected and converted[key].shape != expected[key].shape
    ]
    if missing:
        problems.append(f'missing from the release checkpoint: '
                        f'{", ".join(missing)}')
    if unexpected:
        problems.append(f'not in our model: {", ".join(unexpected)}')
    if wrong_shape:
        problems.append(f'shapes differ: {", ".join(wrong_shape)}')
    if problems:
        raise ConversionError('; '.join(problems))


class _Placeholder(dict):
    """Stands for a class of the release's environment (its ``easydict``
    config) that is not installed here; keeps whatever it is given."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def __setstate__(self, state) -> None:
        pass


class _TolerantUnpickler(pickle.Unpickler):

    def find_class(self, module: str, name: str):
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError):
            return _Placeholder


class _TolerantPickle:
    """A ``pickle_module`` for ``torch.load`` that reads checkpoints whose
    non-tensor parts need modules that are not installed."""
    Unpickler = _TolerantUnpickler
    load = staticmethod(pickle.load)
    __name__ = 'tolerant_pickle'


def load_release_checkpoint(
        path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, object]]:
    """The ``model_state`` of a release checkpoint and its plain meta data
    (``epoch``); a bare state dict is accepted too."""
    checkpoint = torch.load(
        path,
        map_location='cpu',
        weights_only=False,
        pickle_module=_TolerantPickle)
    if isinstance(checkpoint, dict) and 'model_state' in checkpoint:
        meta = {'release_epoch': checkpoint.get('epoch')}
        return checkpoint['model_state'], meta
    if isinstance(checkpoint, dict) and all(
            isinstance(value, torch.Tensor) for value in checkpoint.values()):
        return checkpoint, {}
    keys = list(checkpoint)[:10] if isinstance(checkpoint, dict) else []
    raise ConversionError(
        f'{path} is not a checkpoint of the CARL release: no "model_state" '
        f'(found {type(checkpoint).__name__} with keys {keys})')


def our_state_dict(config: str) -> Dict[str, torch.Tensor]:
    """The state dict of the CARL model that ``config`` builds, random
    weights (nothing is downloaded)."""
    import scfa_mm  # noqa: F401  registers the plugin
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from scfa_mm.utils.build import build_untrained_model
    init_default_scope('mmaction')
    return build_untrained_model(Config.fromfile(config).model).state_dict()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert a checkpoint of the CARL release to our CARL')
    parser.add_argument('src', help='release checkpoint (train.py output)')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='config of the model to fill (default: the Penn Action one)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    release, meta = load_release_checkpoint(args.src)
    try:
        converted = convert_state_dict(release)
        check_against(converted, our_state_dict(args.config))
    except ConversionError as error:
        sys.exit(f'{args.src}: {error}')
    meta.update(
        source=osp.basename(args.src), config=osp.basename(args.config))
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save({'meta': meta, 'state_dict': converted}, args.dst)
    print(f'{len(release)} release tensors -> {len(converted)} tensors of '
          f'our model: {args.dst}')


if __name__ == '__main__':
    main()
