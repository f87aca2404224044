"""Convert a released CVRL R3D-50 checkpoint (TensorFlow) for MMAction2.

The CVRL release (tensorflow/models, ``official/projects/video_ssl``)
offers its R3D-50 encoders (Kinetics-400 200 and 800 epochs, Kinetics-600
800 epochs, ImageNet-inflated) as TF2 object-based checkpoints
(``NAME.index`` + ``NAME.data-00000-of-00001``) that its linear evaluation
reads with ``tf.train.Checkpoint(backbone=model.backbone)``: variables are
named by their path in the object graph of the model garden's ``ResNet3D``,
a Keras functional model::

    backbone/layer_with_weights-0/kernel/...        stem Conv3D (5, 7, 7)
    backbone/layer_with_weights-1/gamma/...         stem BatchNorm
    backbone/layer_with_weights-{2..17}/_temporal_conv/kernel/...
        one BottleneckBlock3D each, in order (res2: 3, res3: 4, res4: 6,
        res5: 3), with _temporal_conv/_norm1 (T x 1 x 1),
        _spatial_conv/_norm2 (1 x 3 x 3), _expand_conv/_norm3 (1 x 1 x 1)
        and, in the first block of a stage, _shortcut_conv/_norm0

(``.../.ATTRIBUTES/VARIABLE_VALUE`` after each). This tool writes the same
weights as a plain state dict of MMAction2's ``ResNet3dSlowOnly`` in the
layout of ``configs/_base_/models/cvrl_r3d50.py``, for
``model.backbone.pretrained`` in the configs of ``configs/cvrl/benchmarks``.
Conv kernels go from TensorFlow's ``(T, H, W, C_in, C_out)`` to PyTorch's
``(C_out, C_in, T, H, W)``; BatchNorm ``gamma, beta, moving_mean,
moving_variance`` become ``weight, bias, running_mean, running_var``.

Two differences remain that weights cannot carry:

- inputs: the release feeds pixels in [0, 1] without mean subtraction; set
  ``model.data_preprocessor.mean=[0,0,0]`` and ``std=[255,255,255]``;
- padding: TensorFlow's ``'same'`` padding of a stride-2 convolution or
  pooling puts the extra pixel on the right/bottom (and the extra frame at
  the end) when the padding is odd, PyTorch pads both sides alike: with
  ``ResNet3dSlowOnly`` outputs are identical only for sizes that stay odd
  at every stride-2 layer (65x65 pixels, 9 frames), and shifted by one
  pixel otherwise (224x224, 16 or 32 frames). Select
  ``ResNet3dSlowOnlyTFSame`` (``scfa_mm/models/backbones/
  resnet3d_tf_same.py``: the same layers, parameters and state dict keys,
  padded as TensorFlow pads, from each input's size) to get the release's
  outputs at every size:
  ``--cfg-options model.backbone.type=ResNet3dSlowOnlyTFSame``.
  Checked against the model garden's ``ResNet3D`` on a checkpoint it wrote
  (random weights and BatchNorm statistics): res5 features agree to 1.5e-5
  (largest value 7.7) at 16x224x224 and 32x256x256, against differences
  of 2.0 with ``ResNet3dSlowOnly``.

Reading the checkpoint needs TensorFlow (this one-off tool imports it; the
package and its tests do not). With TensorFlow in its own environment, read
there and convert here:
    /tmp/tfvenv/bin/python tools/convert/cvrl_release_checkpoint.py \
        r3d_1x_k400_800ep/ r3d_1x_k400_800ep.npz --npz-only
    python tools/convert/cvrl_release_checkpoint.py \
        r3d_1x_k400_800ep.npz checkpoints/cvrl_r3d50_k400_800ep_release.pth
(or in one step, from the checkpoint, where both are installed).
"""
import argparse
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Tuple

import numpy as np

# ResNet-50 blocks per stage (res2..res5)
STAGE_BLOCKS = (3, 4, 6, 3)
FIRST_BLOCK_LAYER = 2  # layer_with_weights-0/1: stem conv and its BN
SUFFIX = '/.ATTRIBUTES/VARIABLE_VALUE'
TF_KEY = re.compile(r'^layer_with_weights-(?P<layer>\d+)/'
                    r'(?:(?P<module>_[a-z_]+\d?)/)?'
                    r'(?P<variable>kernel|gamma|beta|moving_mean|'
                    r'moving_variance)$')
BLOCK_MODULES = {
    '_temporal_conv': 'conv1.conv',
    '_norm1': 'conv1.bn',
    '_spatial_conv': 'conv2.conv',
    '_norm2': 'conv2.bn',
    '_expand_conv': 'conv3.conv',
    '_norm3': 'conv3.bn',
    '_shortcut_conv': 'downsample.conv',
    '_norm0': 'downsample.bn',
}
BN_VARIABLES = {
    'gamma': 'weight',
    'beta': 'bias',
    'moving_mean': 'running_mean',
    'moving_variance': 'running_var',
}


def block_names() -> List[str]:
    """Our prefixes of the 16 bottleneck blocks, in the release's order:
    ``['layer1.0', 'layer1.1', ..., 'layer4.2']``."""
    return [
        f'layer{stage + 1}.{index}' for stage, count in enumerate(STAGE_BLOCKS)
        for index in range(count)
    ]


def convert_variable(name: str, value: np.ndarray) -> Tuple[str, np.ndarray]:
    """One release variable -> ``(our key, our array)``.

    Args:
        name (str): Path below the backbone, without the attribute suffix,
            e.g. ``'layer_with_weights-5/_spatial_conv/kernel'``.
        value (np.ndarray): Its value: a conv kernel ``(T, H, W, C_in,
            C_out)`` or a BatchNorm vector ``(C,)``.

    Returns:
        tuple: e.g. ``('layer2.0.conv2.conv.weight', kernel of shape
        (C_out, C_in, T, H, W))``.
    """
    match = TF_KEY.match(name)
    if match is None:
        raise ValueError(f'not a variable of the release R3D-50: {name!r}')
    layer, module, variable = (int(match['layer']), match['module'],
                               match['variable'])
    blocks = block_names()
    if layer < FIRST_BLOCK_LAYER:
        if module is not None:
            raise ValueError(f'unexpected stem variable {name!r}')
        prefix = 'conv1.conv' if layer == 0 else 'conv1.bn'
    elif layer - FIRST_BLOCK_LAYER < len(blocks):
        if module not in BLOCK_MODULES:
            raise ValueError(f'unexpected block module in {name!r}; known: '
                             f'{sorted(BLOCK_MODULES)}')
        prefix = (f'{blocks[layer - FIRST_BLOCK_LAYER]}.'
                  f'{BLOCK_MODULES[module]}')
    else:
        raise ValueError(f'{name!r}: layer {layer} is past the '
                         f'{FIRST_BLOCK_LAYER + len(blocks) - 1} layers of '
                         f'an R3D-50')
    is_conv = prefix.endswith('.conv')
    if is_conv != (variable == 'kernel'):
        raise ValueError(f'{name!r}: {variable} does not belong to {prefix}')
    if is_conv:
        if value.ndim != 5:
            raise ValueError(f'{name!r}: expected a 3D conv kernel '
                             f'(T, H, W, C_in, C_out), got {value.shape}')
        return f'{prefix}.weight', np.ascontiguousarray(
            value.transpose(4, 3, 0, 1, 2))
    if value.ndim != 1:
        raise ValueError(f'{name!r}: expected a vector, got {value.shape}')
    return f'{prefix}.{BN_VARIABLES[variable]}', value


def convert_state(variables: Mapping[str, np.ndarray],
                  root: str = 'backbone') -> 'OrderedDict[str, np.ndarray]':
    """All backbone variables of a release checkpoint -> our state dict.

    Args:
        variables (Mapping[str, np.ndarray]): Checkpoint key -> value, keys
            as ``tf.train.list_variables`` gives them
            (``'backbone/layer_with_weights-0/kernel/.ATTRIBUTES/
            VARIABLE_VALUE'``). Keys outside ``root`` (optimizer slots, the
            projection head, the step counter) are ignored.
        root (str): The object that holds the backbone. Defaults to
            'backbone' (the release's backbone checkpoints).

    Returns:
        OrderedDict: ``ResNet3dSlowOnly`` key -> array (BatchNorm
        ``num_batches_tracked`` not included).
    """
    prefix = f'{root}/'
    state: 'OrderedDict[str, np.ndarray]' = OrderedDict()
    for key in sorted(variables):
        if (not key.startswith(prefix) or not key.endswith(SUFFIX)
                or 'OPTIMIZER_SLOT' in key):
            continue
        ours, value = convert_variable(key[len(prefix):-len(SUFFIX)],
                                       np.asarray(variables[key]))
        if ours in state:
            raise ValueError(f'two variables map to {ours}')
        state[ours] = value
    if not state:
        roots = sorted({key.split('/')[0] for key in variables})
        raise ValueError(f'no variable under {prefix!r}; the checkpoint has '
                         f'{roots} (pass the one holding the R3D-50 as '
                         f'--root)')
    return state


def read_checkpoint(path: str) -> Dict[str, np.ndarray]:
    """All variables of a TensorFlow checkpoint (needs TensorFlow), or of
    the ``.npz`` that ``--npz-only`` wrote from one (needs numpy only)."""
    if path.endswith('.npz'):
        with np.load(path) as arrays:
            return {name: arrays[name] for name in arrays.files}
    import tensorflow as tf  # a one-off conversion: not a package dependency
    if tf.io.gfile.isdir(path):
        found = tf.train.latest_checkpoint(path)
        if found is None:
            raise SystemExit(f'no TensorFlow checkpoint in {path}')
        path = found
    reader = tf.train.load_checkpoint(path)
    return {
        name: reader.get_tensor(name)
        for name, _ in tf.train.list_variables(path)
        if name != '_CHECKPOINTABLE_OBJECT_GRAPH'
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'checkpoint',
        help='TF checkpoint prefix (NAME for NAME.index), the folder '
        'holding it, or an .npz written by --npz-only')
    parser.add_argument(
        'out',
        help='output: .pth backbone state dict, or '
        '.npz with --npz-only')
    parser.add_argument(
        '--root',
        default='backbone',
        help='checkpoint object holding the R3D-50 (default: backbone)')
    parser.add_argument(
        '--npz-only',
        action='store_true',
        help='only read the TF checkpoint and write its variables as .npz '
        '(for an environment with TensorFlow but without PyTorch)')
    args = parser.parse_args()

    variables = read_checkpoint(args.checkpoint)
    if args.npz_only:
        np.savez(args.out, **variables)
        print(f'{len(variables)} variables -> {args.out}')
        return
    state = convert_state(variables, args.root)

    import os.path as osp

    import torch
    from mmaction.registry import MODELS
    from mmengine import Config
    from mmengine.registry import init_default_scope

    import scfa_mm  # noqa: F401  (registers the plugin's modules)

    # Load into our backbone with every key and shape checked.
    init_default_scope('mmaction')
    model_cfg = Config.fromfile(
        osp.join(
            osp.dirname(osp.abspath(__file__)), '..', '..', 'configs',
            '_base_', 'models', 'cvrl_r3d50.py')).model
    backbone = MODELS.build(model_cfg.backbone)
    tensors = OrderedDict(
        (key, torch.from_numpy(value)) for key, value in state.items())
    for key, buffer in backbone.state_dict().items():
        if key.endswith('num_batches_tracked'):
            tensors[key] = torch.zeros_like(buffer)
    backbone.load_state_dict(tensors, strict=True)
    torch.save(backbone.state_dict(), args.out)
    count = sum(value.size for key, value in state.items()
                if not key.endswith(('running_mean', 'running_var')))
    print(f'{len(state)} variables, {count} parameters -> {args.out}')


if __name__ == '__main__':
    main()
