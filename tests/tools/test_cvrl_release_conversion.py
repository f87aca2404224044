"""The converter of the CVRL release's checkpoints
(tools/convert/cvrl_release_checkpoint.py): the released TensorFlow R3D-50
mapped onto MMAction2's ResNet3dSlowOnly."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
from mmaction.registry import MODELS
from mmengine import Config

from ..conftest import REPO_ROOT


def load_converter():
    path = osp.join(REPO_ROOT, 'tools', 'convert',
                    'cvrl_release_checkpoint.py')
    spec = importlib.util.spec_from_file_location('cvrl_release', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The release's R3D-50, written out by hand from the model garden's
# ResNet3D as CVRL configures it: (filters, blocks, temporal kernel) per
# stage; the stem is a (5, 7, 7) conv from 3 to 64 channels.
STAGES = [(64, 3, 1), (128, 4, 1), (256, 6, 3), (512, 3, 3)]


def release_variables(rng):
    """Checkpoint key -> random array, with the release's names and
    TensorFlow's shapes (kernels (T, H, W, C_in, C_out))."""

    def key(path):
        return f'backbone/{path}/.ATTRIBUTES/VARIABLE_VALUE'

    def bn(path, channels):
        return {
            key(f'{path}/{name}'): rng.normal(size=channels).astype('f4')
            for name in ('gamma', 'beta', 'moving_mean', 'moving_variance')
        }

    variables = {
        key('layer_with_weights-0/kernel'):
        rng.normal(size=(5, 7, 7, 3, 64)).astype('f4')
    }
    variables.update(bn('layer_with_weights-1', 64))
    layer, in_channels = 2, 64
    for filters, blocks, temporal in STAGES:
        for index in range(blocks):
            block = f'layer_with_weights-{layer}'
            shapes = {
                '_temporal_conv':
                ((temporal, 1, 1, in_channels, filters), '_norm1'),
                '_spatial_conv': ((1, 3, 3, filters, filters), '_norm2'),
                '_expand_conv': ((1, 1, 1, filters, 4 * filters), '_norm3'),
            }
            if index == 0:
                shapes['_shortcut_conv'] = ((1, 1, 1, in_channels,
                                             4 * filters), '_norm0')
            for conv, (shape, norm) in shapes.items():
                variables[key(f'{block}/{conv}/kernel')] = rng.normal(
                    size=shape).astype('f4')
                variables.update(bn(f'{block}/{norm}', shape[-1]))
            layer, in_channels = layer + 1, 4 * filters
    # not part of the backbone: ignored
    variables['save_counter/.ATTRIBUTES/VARIABLE_VALUE'] = np.array(1)
    variables[key('layer_with_weights-0/kernel/.OPTIMIZER_SLOT/'
                  'optimizer/momentum')] = np.zeros(1)
    return variables


def test_release_variables_map_onto_our_backbone():
    converter = load_converter()
    rng = np.random.default_rng(0)
    variables = release_variables(rng)
    assert len(variables) - 2 == 265  # as tf.train.list_variables counts
    state = converter.convert_state(variables)

    # every key and shape of our R3D-50, none left over
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', '_base_', 'models',
                 'cvrl_r3d50.py')).model.backbone
    expected = {
        k: tuple(v.shape)
        for k, v in MODELS.build(cfg).state_dict().items()
        if not k.endswith('num_batches_tracked')
    }
    assert {k: v.shape for k, v in state.items()} == expected

    def tf(path, name):
        return variables[f'backbone/{path}/{name}/.ATTRIBUTES/VARIABLE_VALUE']

    # kernels: ours[o, i, t, h, w] == TensorFlow's [t, h, w, i, o]
    stem = tf('layer_with_weights-0', 'kernel')
    assert state['conv1.conv.weight'][5, 2, 4, 1, 6] == stem[4, 1, 6, 2, 5]
    # the 5th block in the release's order is the first of res3 (3 + 1),
    # its temporal conv (1, 1, 1) from 256 to 128 channels
    temporal = tf('layer_with_weights-5/_temporal_conv', 'kernel')
    assert state['layer2.0.conv1.conv.weight'][100, 200, 0, 0, 0] == \
        temporal[0, 0, 0, 200, 100]
    # the 8th block of res4 is layer_with_weights-(2 + 3 + 4 + 1) = 10
    spatial = tf('layer_with_weights-10/_spatial_conv', 'kernel')
    assert state['layer3.1.conv2.conv.weight'][7, 9, 0, 2, 1] == \
        spatial[0, 2, 1, 9, 7]
    # BatchNorm: gamma, beta, moving mean and variance, by name
    for ours, theirs in (('weight', 'gamma'), ('bias', 'beta'),
                         ('running_mean', 'moving_mean'), ('running_var',
                                                           'moving_variance')):
        np.testing.assert_array_equal(
            state[f'layer4.2.conv3.bn.{ours}'],
            tf('layer_with_weights-17/_norm3', theirs))
        np.testing.assert_array_equal(
            state[f'layer4.0.downsample.bn.{ours}'],
            tf('layer_with_weights-15/_norm0', theirs))


def test_conversion_errors_name_the_variable():
    converter = load_converter()
    with pytest.raises(ValueError, match='layer 18 is past'):
        converter.convert_variable('layer_with_weights-18/_norm1/gamma',
                                   np.zeros(4))
    with pytest.raises(ValueError, match='unexpected block module'):
        converter.convert_variable('layer_with_weights-3/_self_gating/kernel',
                                   np.zeros((1, 1, 1, 2, 2)))
    with pytest.raises(ValueError, match='expected a 3D conv kernel'):
        converter.convert_variable('layer_with_weights-0/kernel',
                                   np.zeros((7, 7, 3, 64)))
    with pytest.raises(ValueError, match=r"has \['model'\]"):
        converter.convert_state({
            'model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE':
            np.zeros((5, 7, 7, 3, 64))
        })
