"""ProjectionNeck: the layers of the MLP and its argument checks."""
import pytest
import torch
from mmaction.registry import MODELS


@pytest.mark.parametrize('num_layers, with_bn', [(2, False), (3, True)])
def test_projection_neck_layers(num_layers, with_bn):
    neck = MODELS.build(
        dict(
            type='ProjectionNeck',
            in_channels=6,
            hidden_channels=5,
            out_channels=4,
            num_layers=num_layers,
            with_bn=with_bn,
            with_last_bn=with_bn))
    linears = [m for m in neck.mlp if isinstance(m, torch.nn.Linear)]
    norms = [m for m in neck.mlp if isinstance(m, torch.nn.BatchNorm1d)]
    assert [(m.in_features, m.out_features) for m in linears] == \
        [(6, 5)] + [(5, 5)] * (num_layers - 2) + [(5, 4)]
    assert len(norms) == (num_layers if with_bn else 0)
    assert all((m.bias is None) == with_bn for m in linears)
    assert neck(torch.randn(3, 6)).shape == (3, 4)


def test_projection_neck_rejects_zero_layers():
    with pytest.raises(ValueError, match='num_layers.*0'):
        MODELS.build(
            dict(
                type='ProjectionNeck',
                in_channels=6,
                hidden_channels=5,
                num_layers=0))
