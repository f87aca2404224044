"""CVRL's evaluation: L2-normalised frozen features for the linear
classifier, the benchmark configs, and the mapping of the released
TensorFlow R3D-50 onto MMAction2's ResNet3dSlowOnly."""
import importlib.util
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine import Config
from mmengine.optim import OptimWrapper

from scfa_mm.models import L2NormalizeNeck
from ..conftest import REPO_ROOT

BENCHMARKS = osp.join(REPO_ROOT, 'configs', 'cvrl', 'benchmarks')
LINEAR = osp.join(BENCHMARKS, 'r3d50_linear-8xb32-100e_kinetics400.py')


def load_converter():
    path = osp.join(REPO_ROOT, 'tools', 'convert',
                    'cvrl_release_checkpoint.py')
    spec = importlib.util.spec_from_file_location('cvrl_release', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_neck_pools_and_scales_to_unit_norm():
    torch.manual_seed(0)
    features = torch.randn(3, 5, 2, 3, 4) * 7 + 1
    out, losses = L2NormalizeNeck()(features)
    assert out.shape == (3, 5, 1, 1, 1) and losses == {}
    for n in range(3):
        # plain loops: mean over the 24 positions, then divide by the norm
        pooled = [
            sum(features[n, c, t, h, w].item() for t in range(2)
                for h in range(3) for w in range(4)) / 24 for c in range(5)
        ]
        norm = math.sqrt(sum(value**2 for value in pooled))
        for c in range(5):
            assert out[n, c, 0, 0, 0].item() == pytest.approx(
                pooled[c] / norm, rel=1e-5)
        assert out[n].norm().item() == pytest.approx(1.0, rel=1e-6)


def test_neck_rejects_bad_eps():
    with pytest.raises(ValueError, match='eps must be a number > 0, got 0'):
        L2NormalizeNeck(eps=0)


def tiny_linear_model():
    """The linear-evaluation model of the Kinetics config, with a tiny 3D
    ResNet-18 (8 base channels) and 3 classes."""
    cfg = Config.fromfile(LINEAR).model
    cfg.backbone.update(depth=18, base_channels=8, pretrained=None)
    cfg.cls_head.update(num_classes=3, in_channels=64)
    return MODELS.build(cfg)


def test_linear_evaluation_trains_only_the_classifier():
    torch.manual_seed(0)
    model = tiny_linear_model()
    model.init_weights()
    model.train()
    backbone_before = {
        k: v.clone()
        for k, v in model.backbone.state_dict().items()
    }
    head_before = model.cls_head.fc_cls.weight.clone()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0))
    data = dict(
        inputs=[
            torch.randint(0, 256, (1, 3, 4, 32, 32)).float() for _ in range(4)
        ],
        data_samples=[])
    for label in (0, 1, 2, 0):
        data['data_samples'].append(ActionDataSample().set_gt_label(label))
    model.train_step(data, optim)

    # BatchNorm in eval mode: its statistics do not move
    norms = [
        m for m in model.backbone.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]
    assert norms and not any(m.training for m in norms)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, backbone_before[key]), key
    # no gradient reaches the backbone, the classifier learns
    assert all(p.grad is None for p in model.backbone.parameters())
    assert not torch.equal(model.cls_head.fc_cls.weight, head_before)

    # the classifier sees unit-norm features
    with torch.no_grad():
        feats, _ = model.extract_feat(torch.stack(data['inputs']))
    assert torch.allclose(
        feats.flatten(1).norm(dim=1), torch.ones(4), atol=1e-6)


def test_linear_config_follows_the_release():
    cfg = Config.fromfile(LINEAR)
    total_batch = 8 * cfg.train_dataloader.batch_size
    # SGD at 32 for a batch of 1024, scaled linearly, no weight decay
    assert cfg.optim_wrapper.optimizer.lr * 1024 / total_batch == 32
    assert cfg.auto_scale_lr.base_batch_size == total_batch
    assert cfg.optim_wrapper.optimizer.weight_decay == 0
    assert cfg.model.neck.type == 'L2NormalizeNeck'
    assert cfg.model.backbone.frozen_stages == 4
    assert cfg.model.backbone.norm_eval
    # warm-up: 1787 of 35744 steps in the release = 5 of 100 epochs
    warmup, cosine = cfg.param_scheduler
    assert warmup.end / cfg.train_cfg.max_epochs == pytest.approx(
        1787 / 35744, abs=1e-3)
    assert cosine.end == cfg.train_cfg.max_epochs == 100
    sampler = cfg.test_dataloader.dataset.pipeline[1]
    assert (sampler.clip_len, sampler.frame_interval,
            sampler.num_clips) == (32, 2, 10)


@pytest.mark.parametrize('dataset, classes', [('ucf101', 101), ('hmdb51', 51)])
def test_finetune_configs(dataset, classes):
    cfg = Config.fromfile(
        osp.join(BENCHMARKS, f'r3d50_ft-8xb8-50e_{dataset}.py'))
    assert cfg.model.cls_head.num_classes == classes
    assert cfg.model.backbone.frozen_stages == -1
    for loader in ('train', 'val', 'test'):
        dataset_cfg = cfg[f'{loader}_dataloader'].dataset
        assert f'{dataset}_' in osp.basename(dataset_cfg.ann_file)
        assert 'split_1' in dataset_cfg.ann_file
        assert dataset_cfg.data_prefix.video == f'data/{dataset}/videos'


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
