"""The converter of the CARL release's checkpoints
(tools/convert/carl_release_checkpoint.py): the release's tensor names and
shapes, written down here from its model code (TransformerModel with the
Penn Action config), must fill our CARL model exactly, and the converted
layers must compute the release's formulas."""
import importlib.util
import math
import sys
import types
from typing import Dict, Tuple

import pytest
import torch
import torch.nn.functional as F
import torchvision
from mmaction.registry import MODELS
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.utils.build import build_untrained_model
from ..conftest import REPO_ROOT

PENN_CONFIG = (f'{REPO_ROOT}/configs/carl/'
               'carl_r50-transformer_4xb1-300e_penn-action.py')
_spec = importlib.util.spec_from_file_location(
    'carl_release_checkpoint',
    f'{REPO_ROOT}/tools/convert/carl_release_checkpoint.py')
convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert)

# the release's model for Penn Action: torchvision ResNet-50 cut after stage
# 3 (children 0 conv1, 1 bn1, 4-6 layer1-3 under `backbone`, layer4 as
# `res_finetune`); fc block 2 x (256 x CAPACITY_SCALAR 2); HIDDEN_SIZE 256;
# 3 layers, D_FF 1024; EMBEDDING_SIZE 128; projection 128 -> 128 -> 128
STAGE_PREFIXES = ('backbone.4', 'backbone.5', 'backbone.6', 'res_finetune')
STAGE_BLOCKS = (3, 4, 6, 3)
FC, HIDDEN, FFN, EMBED, LAYERS = 512, 256, 1024, 128, 3
RELEASE_TENSORS = 393  # len(TransformerModel(cfg).state_dict()), measured


def _batch_norm(prefix: str, channels: int) -> Dict[str, Tuple[int, ...]]:
    return {
        f'{prefix}.{name}': (channels, )
        for name in ('weight', 'bias', 'running_mean', 'running_var')
    } | {
        f'{prefix}.num_batches_tracked': ()
    }


def _linear(prefix: str, out_c: int, in_c: int) -> Dict[str, tuple]:
    return {f'{prefix}.weight': (out_c, in_c), f'{prefix}.bias': (out_c, )}


def release_layout() -> Dict[str, Tuple[int, ...]]:
    """Names and shapes of the release's ``model_state``."""
    shapes = {'backbone.0.weight': (64, 3, 7, 7)}
    shapes |= _batch_norm('backbone.1', 64)
    in_c = 64
    for stage, (prefix,
                blocks) in enumerate(zip(STAGE_PREFIXES, STAGE_BLOCKS)):
        width = 64 * 2**stage
        for block in range(blocks):
            name = f'{prefix}.{block}'
            for conv, shape in ((1, (width, in_c, 1, 1)),
                                (2, (width, width, 3, 3)), (3, (4 * width,
                                                                width, 1, 1))):
                shapes[f'{name}.conv{conv}.weight'] = shape
                shapes |= _batch_norm(f'{name}.bn{conv}', shape[0])
            if block == 0:
                shapes[f'{name}.downsample.0.weight'] = (4 * width, in_c, 1, 1)
                shapes |= _batch_norm(f'{name}.downsample.1', 4 * width)
            in_c = 4 * width
    shapes |= _linear('embed.fc_layers.1', FC, 2048)
    shapes |= _batch_norm('embed.fc_layers.2', FC)
    shapes |= _linear('embed.fc_layers.5', FC, FC)
    shapes |= _batch_norm('embed.fc_layers.6', FC)
    shapes |= _linear('embed.video_emb', HIDDEN, FC)
    for layer in range(LAYERS):
        name = f'embed.video_encoder.enc_layers.{layer}'
        for norm in ('res_layer0', 'res_layer1'):
            shapes[f'{name}.{norm}.norm.weight'] = (HIDDEN, )
            shapes[f'{name}.{norm}.norm.bias'] = (HIDDEN, )
        for proj in ('Q2d', 'K2d', 'V2d', 'd2Q'):
            shapes |= _linear(f'{name}.self_att.linear_{proj}', HIDDEN, HIDDEN)
        shapes |= _linear(f'{name}.feed_forward.fc1', FFN, HIDDEN)
        shapes |= _linear(f'{name}.feed_forward.fc2', HIDDEN, FFN)
    shapes |= _linear('embed.embedding_layer', EMBED, HIDDEN)
    shapes |= _linear('ssl_projection.net.0', EMBED, EMBED)
    shapes |= _batch_norm('ssl_projection.net.1', EMBED)
    shapes |= _linear('ssl_projection.net.3', EMBED, EMBED)
    return shapes


def random_release_state(seed: int = 0) -> Dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in release_layout().items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(7)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=generator) + 0.5
        else:
            state[key] = torch.randn(shape, generator=generator) * 0.2
    return state


@pytest.fixture(scope='module')
def penn_model():
    init_default_scope('mmaction')  # module fixtures run before conftest's
    torch.manual_seed(0)
    return build_untrained_model(Config.fromfile(PENN_CONFIG).model).eval()


@pytest.fixture(scope='module')
def release_state():
    return random_release_state()


@pytest.fixture(scope='module')
def converted(release_state, penn_model):
    state = convert.convert_state_dict(release_state)
    penn_model.load_state_dict(state, strict=True)
    return state


def test_every_release_tensor_fills_our_model(release_state, converted,
                                              penn_model):
    assert len(release_state) == RELEASE_TENSORS
    expected = penn_model.state_dict()
    convert.check_against(converted, expected)  # raises on any mismatch
    assert set(converted) == set(expected)
    # 3 separate projections -> 1 joint, twice per layer; 1 bias folded
    assert len(converted) == RELEASE_TENSORS - 4 * LAYERS - 1
    for key, value in converted.items():
        assert torch.equal(expected[key], value), key


@pytest.mark.parametrize('release_key, our_key', [
    ('backbone.0.weight', 'image_backbone.conv1.conv.weight'),
    ('backbone.1.running_var', 'image_backbone.conv1.bn.running_var'),
    ('backbone.5.3.bn2.weight', 'image_backbone.layer2.3.conv2.bn.weight'),
    ('backbone.6.0.downsample.1.running_mean',
     'image_backbone.layer3.0.downsample.bn.running_mean'),
    ('res_finetune.2.conv3.weight',
     'image_backbone.layer4.2.conv3.conv.weight'),
    ('embed.fc_layers.6.bias', 'transform_block.6.bias'),
    ('embed.video_emb.weight', 'input_projection.weight'),
    ('embed.video_encoder.enc_layers.1.res_layer1.norm.weight',
     'temporal_encoder.layers.1.norm2.weight'),
    ('embed.video_encoder.enc_layers.2.feed_forward.fc2.bias',
     'temporal_encoder.layers.2.linear2.bias'),
    ('embed.embedding_layer.weight', 'output_layer.weight'),
])
def test_tensors_land_in_the_module_of_the_same_role(release_state, converted,
                                                     release_key, our_key):
    assert torch.equal(converted[f'backbone.{our_key}'],
                       release_state[release_key])


def test_unknown_missing_and_misshapen_tensors_are_named(
        release_state, penn_model):
    state = dict(release_state)
    state['classifier.fc_layers.1.weight'] = torch.zeros(1)
    del state['embed.video_encoder.enc_layers.0.self_att.linear_K2d.bias']
    with pytest.raises(convert.ConversionError) as error:
        convert.convert_state_dict(state)
    assert 'classifier.fc_layers.1.weight' in str(error.value)
    assert 'enc_layers.0.self_att.linear_Q2d.bias' in str(error.value)

    state = dict(release_state)
    del state['embed.video_emb.weight']
    state['embed.embedding_layer.bias'] = torch.zeros(64)
    with pytest.raises(convert.ConversionError) as error:
        convert.check_against(
            convert.convert_state_dict(state), penn_model.state_dict())
    assert 'backbone.input_projection.weight' in str(error.value)
    assert 'backbone.output_layer.bias (64,) (ours (128,))' in str(error.value)


def test_distributed_prefix_and_release_file_layout(tmp_path, release_state,
                                                    converted):
    # train.py saves model.module.state_dict() next to its EasyDict config,
    # whose class need not be installed where the conversion runs
    config_module = types.ModuleType('release_config_stub')

    class EasyDict(dict):
        pass

    EasyDict.__module__ = 'release_config_stub'
    EasyDict.__qualname__ = 'EasyDict'
    config_module.EasyDict = EasyDict
    sys.modules['release_config_stub'] = config_module
    path = tmp_path / 'checkpoint_epoch_00299.pth'
    try:
        torch.save(
            {
                'epoch': 299,
                'model_state': {
                    f'module.{k}': v
                    for k, v in release_state.items()
                },
                'optimizer_state': {},
                'cfg': EasyDict(MODEL=EasyDict(PROJECTION=True)),
            }, path)
    finally:
        del sys.modules['release_config_stub']
    state, meta = convert.load_release_checkpoint(str(path))
    assert meta == {'release_epoch': 299}
    again = convert.convert_state_dict(state)
    assert set(again) == set(converted)
    assert all(torch.equal(again[k], converted[k]) for k in converted)


def test_fc_block_computes_the_release_formula(release_state, converted,
                                               penn_model):
    """Release embedder in eval: (Dropout, Linear, BN, ReLU) x 2, then
    video_emb."""
    x = torch.randn(5, 2048)
    r = release_state

    def bn(z, name):
        return (
            (z - r[f'{name}.running_mean']) /
            torch.sqrt(r[f'{name}.running_var'] + 1e-5) * r[f'{name}.weight'] +
            r[f'{name}.bias'])

    h = torch.relu(
        bn(x @ r['embed.fc_layers.1.weight'].T + r['embed.fc_layers.1.bias'],
           'embed.fc_layers.2'))
    h = torch.relu(
        bn(h @ r['embed.fc_layers.5.weight'].T + r['embed.fc_layers.5.bias'],
           'embed.fc_layers.6'))
    expected = h @ r['embed.video_emb.weight'].T + r['embed.video_emb.bias']
    backbone = penn_model.backbone
    with torch.no_grad():
        ours = backbone.input_projection(backbone.transform_block(x))
    torch.testing.assert_close(ours, expected, rtol=1e-4, atol=1e-4)


def test_transformer_layer_computes_the_release_formula(
        release_state, converted, penn_model):
    """Release EncoderLayer in eval: x + MHA(LN0(x)), then + FFN(LN1(x)),
    with separate Q, K, V projections, 8 heads, padded keys masked."""
    r = {
        k.split('enc_layers.1.')[1]: v
        for k, v in release_state.items() if 'enc_layers.1.' in k
    }
    torch.manual_seed(0)
    inputs = torch.randn(2, 7, HIDDEN)
    mask = torch.ones(2, 7, dtype=torch.bool)
    mask[1, 5:] = False

    def linear(z, name):
        return z @ r[f'{name}.weight'].T + r[f'{name}.bias']

    def heads(z):  # (B, S, D) -> (B, H, S, D / H)
        return z.view(2, 7, 8, HIDDEN // 8).transpose(1, 2)

    def norm(z, name):
        return F.layer_norm(z, (HIDDEN, ), r[f'{name}.norm.weight'],
                            r[f'{name}.norm.bias'])

    h = norm(inputs, 'res_layer0')
    q, k, v = (heads(linear(h, f'self_att.linear_{p}2d')) for p in 'QKV')
    scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // 8)
    scores = scores.masked_fill(~mask[:, None, None, :], -float('inf'))
    attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(2, 7, HIDDEN)
    x = inputs + linear(attended, 'self_att.linear_d2Q')
    h = torch.relu(linear(norm(x, 'res_layer1'), 'feed_forward.fc1'))
    expected = x + linear(h, 'feed_forward.fc2')
    layer = penn_model.backbone.temporal_encoder.layers[1]
    with torch.no_grad():
        ours = layer(inputs, src_key_padding_mask=~mask)
    torch.testing.assert_close(ours, expected, rtol=1e-4, atol=1e-4)


def test_projection_head_computes_the_release_formula(release_state, converted,
                                                      penn_model):
    """Release MLPHead in eval: Linear (with bias) -> BN -> ReLU -> Linear;
    ours has no bias before the BatchNorm, the converter folds it."""
    r = release_state
    x = torch.randn(6, EMBED)
    z = x @ r['ssl_projection.net.0.weight'].T + r['ssl_projection.net.0.bias']
    z = ((z - r['ssl_projection.net.1.running_mean']) /
         torch.sqrt(r['ssl_projection.net.1.running_var'] + 1e-5) *
         r['ssl_projection.net.1.weight'] + r['ssl_projection.net.1.bias'])
    expected = (
        torch.relu(z) @ r['ssl_projection.net.3.weight'].T +
        r['ssl_projection.net.3.bias'])
    with torch.no_grad():
        ours = penn_model.neck(x)
    torch.testing.assert_close(ours, expected, rtol=1e-4, atol=1e-4)


def test_resnet_names_map_torchvision_onto_mmaction():
    """The release's backbone is torchvision's ResNet-50: with the converted
    weights, MMAction2's ResNet-50 computes the same maps."""
    torch.manual_seed(0)
    reference = torchvision.models.resnet50(weights=None).eval()
    for module in reference.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.0)
            module.bias.data.normal_(0, 0.1)
    prefixes = {'conv1.': 'backbone.0.', 'bn1.': 'backbone.1.'}
    prefixes |= {
        f'layer{i + 1}.': f'{prefix}.'
        for i, prefix in enumerate(STAGE_PREFIXES)
    }
    release = {}
    for key, value in reference.state_dict().items():
        for tv_prefix, release_prefix in prefixes.items():
            if key.startswith(tv_prefix):
                release[release_prefix + key[len(tv_prefix):]] = value
    assert set(release) == {
        k
        for k in release_layout() if k.startswith(('backbone.', 'res_'))
    }
    ours = MODELS.build(dict(type='ResNet', depth=50, pretrained=None))
    prefix = 'backbone.image_backbone.'
    ours.load_state_dict(
        {
            k[len(prefix):]: v
            for k, v in convert.convert_state_dict(release).items()
        },
        strict=True)
    ours.eval()  # MMAction2's ResNet.train returns None: no chaining
    images = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = torch.nn.Sequential(*list(reference.children())[:-2])(
            images)
        torch.testing.assert_close(
            ours(images), expected, rtol=1e-4, atol=1e-4)
