"""TensorFlow's 'same' padding for the 3D ResNet (``ResNet3dSlowOnlyTFSame``
and its layers), checked against TensorFlow's rule worked by hand and
against explicit padding."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import nn

from scfa_mm.models.backbones import (ResNet3dSlowOnlyTFSame, TFSameConv3d,
                                      TFSameMaxPool3d,
                                      convert_to_tf_same_padding,
                                      tf_same_padding)

# the release's R3D-50 stem, small: 5x7x7 stem conv with temporal stride 2
TINY_R3D50 = dict(
    depth=50,
    base_channels=4,
    pretrained=None,
    lateral=False,
    conv1_kernel=(5, 7, 7),
    conv1_stride_t=2,
    pool1_stride_t=1,
    inflate=(0, 0, 1, 1),
    zero_init_residual=False)


@pytest.mark.parametrize(
    'size, kernel, stride, expected',
    [
        # out = ceil(n / s); total = (out - 1) * s + k - n
        (224, 7, 2, (2, 3)),  # 112: 111 * 2 + 7 - 224 = 5
        (16, 5, 2, (1, 2)),  # 8: 7 * 2 + 5 - 16 = 3
        (225, 7, 2, (3, 3)),  # 113: 112 * 2 + 7 - 225 = 6
        (112, 3, 2, (0, 1)),  # 56: 55 * 2 + 3 - 112 = 1
        (57, 3, 2, (1, 1)),  # 29: 28 * 2 + 3 - 57 = 2
        (56, 1, 2, (0, 0)),  # 28: 27 * 2 + 1 - 56 = -1 -> 0
        (32, 3, 1, (1, 1)),  # 32: 31 + 3 - 32 = 2
        (10, 4, 3, (1, 2)),  # 4: 3 * 3 + 4 - 10 = 3
    ])
def test_padding_follows_tensorflow_rule(size, kernel, stride, expected):
    assert tf_same_padding(size, kernel, stride) == expected


def test_padding_rejects_nonpositive_sizes():
    with pytest.raises(ValueError, match='positive'):
        tf_same_padding(0, 3, 2)


def test_conv_equals_explicit_padding_then_unpadded_conv():
    torch.manual_seed(0)
    conv = TFSameConv3d(2, 3, (5, 3, 3), stride=2, bias=True)
    x = torch.randn(2, 2, 16, 10, 9)
    # by hand: T 16, k 5 -> (1, 2); H 10, k 3 -> ceil 5, 4*2+3-10 = 1
    # -> (0, 1); W 9, k 3 -> ceil 5, 4*2+3-9 = 2 -> (1, 1)
    padded = F.pad(x, (1, 1, 0, 1, 1, 2))
    expected = F.conv3d(padded, conv.weight, conv.bias, stride=2)
    out = conv(x)
    assert out.shape == (2, 3, 8, 5, 5)
    torch.testing.assert_close(out, expected)


def test_conv_equals_pytorch_where_tensorflow_pads_symmetrically():
    # n = 9, k = 3, s = 2: total 2 -> (1, 1), PyTorch's padding=1
    torch.manual_seed(0)
    plain = nn.Conv3d(2, 3, 3, stride=2, padding=1, bias=False)
    network = nn.Sequential(copy.deepcopy(plain))
    assert convert_to_tf_same_padding(network) == ['0']
    twin = network[0]
    assert isinstance(twin, TFSameConv3d)
    x = torch.randn(1, 2, 9, 9, 9)
    torch.testing.assert_close(twin(x), plain(x))
    # at an even size PyTorch puts the extra pixel at the start, not the end
    x = torch.randn(1, 2, 8, 8, 8)
    assert not torch.allclose(twin(x), plain(x))


def test_max_pool_ignores_the_padded_cells():
    pool = TFSameMaxPool3d((1, 3, 3), stride=(1, 2, 2))
    # all values negative: a zero padding would win every border window
    x = -1 - torch.rand(1, 2, 1, 4, 5)
    out = pool(x)
    # H 4 -> (0, 1), windows rows [0, 3), [2, 4); W 5 -> (1, 1),
    # windows cols [0, 2), [1, 4), [3, 5) (clipped to the input)
    rows = [(0, 3), (2, 4)]
    cols = [(0, 2), (1, 4), (3, 5)]
    assert out.shape == (1, 2, 1, 2, 3)
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            expected = x[:, :, 0, r0:r1, c0:c1].amax(dim=(-2, -1))
            torch.testing.assert_close(out[:, :, 0, i, j], expected)


def test_layers_refuse_their_own_padding():
    with pytest.raises(ValueError, match='padding=0'):
        TFSameConv3d(2, 3, 3, stride=2, padding=1)
    with pytest.raises(ValueError, match='padding=0'):
        TFSameMaxPool3d(3, stride=2, padding=1)


def test_conversion_refuses_layers_without_a_same_counterpart():
    # a strided conv padded by 0 with kernel 3 is TensorFlow's 'valid'
    with pytest.raises(ValueError, match='only a layer padded'):
        convert_to_tf_same_padding(
            nn.Sequential(nn.Conv3d(2, 3, 3, stride=2, padding=0)))

    class WeightStandardisedConv3d(nn.Conv3d):
        pass

    with pytest.raises(TypeError, match='WeightStandardisedConv3d'):
        convert_to_tf_same_padding(
            nn.Sequential(WeightStandardisedConv3d(2, 3, 3, 2, 1)))


def test_backbone_converts_the_strided_layers_and_keeps_its_keys():
    backbone = MODELS.build(dict(type='ResNet3dSlowOnlyTFSame', **TINY_R3D50))
    assert isinstance(backbone, ResNet3dSlowOnlyTFSame)
    # stem conv and pool, first block of res3..res5 (stride on the 3x3
    # spatial conv and the 1x1 shortcut); pool2 is built but unused
    assert set(backbone.tf_same_layers) == {
        'conv1.conv', 'maxpool', 'pool2', 'layer2.0.conv2.conv',
        'layer2.0.downsample.conv', 'layer3.0.conv2.conv',
        'layer3.0.downsample.conv', 'layer4.0.conv2.conv',
        'layer4.0.downsample.conv'
    }
    assert isinstance(backbone.conv1.conv, TFSameConv3d)
    assert isinstance(backbone.maxpool, TFSameMaxPool3d)
    plain = MODELS.build(dict(type='ResNet3dSlowOnly', **TINY_R3D50))
    assert backbone.state_dict().keys() == plain.state_dict().keys()


@pytest.mark.parametrize(
    'size, same_as_pytorch',
    [
        ((9, 65, 65), True),  # odd at every stride-2 layer: symmetric
        ((7, 50, 33), False),
    ])
def test_backbone_output_size_is_tensorflow_same(size, same_as_pytorch):
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='ResNet3dSlowOnlyTFSame', **TINY_R3D50))
    plain = MODELS.build(dict(type='ResNet3dSlowOnly', **TINY_R3D50))
    plain.load_state_dict(backbone.state_dict())
    backbone.eval()
    plain.eval()
    x = torch.rand(1, 3, *size)
    with torch.no_grad():
        out = backbone(x)
        plain_out = plain(x)
    t, h, w = size
    # ceil(n / s): temporal stride 2 (stem), spatial 32 in all
    assert out.shape == (1, 4 * 4 * 8, -(-t // 2), -(-h // 32), -(-w // 32))
    assert torch.allclose(out, plain_out, atol=1e-5) == same_as_pytorch
