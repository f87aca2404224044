"""L2NormalizeNeck: CVRL's frozen features for the linear classifier,
pooled and scaled to unit norm."""
import math

import pytest
import torch

from scfa_mm.models import L2NormalizeNeck


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
