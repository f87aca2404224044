import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.selfsup.simclr import GatherLayer

from scfa_mm.models import SupConLoss
from scfa_mm.models.losses import supcon_loss
from ..conftest import run_gloo_processes


def loop_supcon(features, labels, temperature=0.07, base_temperature=0.07):
    """SupCon L_out written as plain Python loops over anchors/positives."""
    z = features.tolist()
    labels = labels.tolist()
    n = len(z)

    def sim(i, j):
        return sum(a * b for a, b in zip(z[i], z[j])) / temperature

    total = 0.0
    for i in range(n):
        denominator = sum(math.exp(sim(i, a)) for a in range(n) if a != i)
        positives = [p for p in range(n) if p != i and labels[p] == labels[i]]
        if not positives:
            continue  # contributes 0, still counted in the mean
        mean_log_prob = sum(
            math.log(math.exp(sim(i, p)) / denominator)
            for p in positives) / len(positives)
        total += -(temperature / base_temperature) * mean_log_prob
    return total / n


def random_batch(num_videos, num_views, num_classes, dim=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    features = F.normalize(
        torch.randn(num_videos * num_views, dim, generator=generator), dim=1)
    labels = torch.randint(
        num_classes, (num_videos, ),
        generator=generator).repeat_interleave(num_views)
    return features, labels


@pytest.mark.parametrize('num_videos, num_views, num_classes', [(6, 2, 3),
                                                                (5, 3, 2),
                                                                (8, 2, 8)])
def test_matches_the_loop(num_videos, num_views, num_classes):
    features, labels = random_batch(num_videos, num_views, num_classes)
    loss = SupConLoss(
        temperature=0.1, base_temperature=0.07)(features.double(), labels)
    expected = loop_supcon(features.double(), labels, 0.1, 0.07)
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_anchors_without_positive_contribute_zero():
    features, _ = random_batch(6, 1, 1, seed=1)
    # labels 0 and 1 have two members each; 2 and 3 are alone
    labels = torch.tensor([0, 1, 0, 2, 1, 3])
    loss = SupConLoss()(features.double(), labels)
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(
        loop_supcon(features.double(), labels), rel=1e-9)


def test_no_positive_pair_is_an_error_at_the_first_step(monkeypatch):
    # batch 1 with one view, or one view per video self-supervised: every
    # label distinct, nothing to learn from -- refused at the first step,
    # naming the settings to change
    features, _ = random_batch(6, 1, 1, seed=1)
    loss = SupConLoss()
    with pytest.raises(ValueError) as error:
        loss(features, torch.arange(6))
    for setting in ('train_dataloader.batch_size', 'num_views', '6 rows'):
        assert setting in str(error.value)
    # a first batch with a positive: a later batch without one (one view,
    # drawn with distinct classes) is a warning, and a zero loss with
    # finite gradient
    loss = SupConLoss()
    loss(features, torch.tensor([0, 0, 1, 2, 3, 4]))
    logged = []
    monkeypatch.setattr(supcon_loss, 'print_log',
                        lambda message, **kwargs: logged.append(message))
    lonely = features.clone().requires_grad_()
    value = loss(lonely, torch.arange(6))
    value.backward()
    assert value.item() == 0 and torch.isfinite(lonely.grad).all()
    assert len(logged) == 1 and 'has a positive' in logged[0]
    # evaluation (eval mode) never raises
    assert SupConLoss().eval()(features, torch.arange(6)).item() == 0


def test_gradcheck():
    features, labels = random_batch(3, 2, 2, dim=4, seed=2)
    features = features.double().requires_grad_()
    assert torch.autograd.gradcheck(
        lambda f: SupConLoss(temperature=0.5)(f, labels), (features, ))


def test_float32_under_half_inputs():
    features, labels = random_batch(4, 2, 2, seed=3)
    loss = SupConLoss()(features.bfloat16(), labels)
    assert loss.dtype == torch.float32
    expected = loop_supcon(features.bfloat16().double(), labels)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    'kwargs',
    [dict(temperature=0), dict(base_temperature=-1)])
def test_bad_temperature(kwargs):
    with pytest.raises(ValueError, match=list(kwargs)[0]):
        SupConLoss(**kwargs)


def test_shape_mismatch():
    with pytest.raises(ValueError, match=r'\(6, 8\) and \(5,\)'):
        SupConLoss()(torch.zeros(6, 8), torch.zeros(5, dtype=torch.long))


def local_slice_gather(tensor):
    """The SimCLR GatherLayer: its backward keeps only the local slice of
    the gradient, from this rank's own loss."""
    return GatherLayer.apply(tensor)


def _distributed_worker(rank, world_size, features, labels,
                        use_local_slice_gather):
    if use_local_slice_gather:
        supcon_loss.all_gather_with_grad = local_slice_gather
    size = len(features) // world_size
    local = features[rank * size:(rank + 1) * size].clone()
    local.requires_grad_()
    loss = SupConLoss(temperature=0.1)(local,
                                       labels[rank * size:(rank + 1) * size])
    loss.backward()
    return loss.item(), local.grad


def run_two_ranks(tmp_path, features, labels, use_local_slice_gather):
    return run_gloo_processes(tmp_path, _distributed_worker,
                              (features, labels, use_local_slice_gather))


@pytest.fixture(scope='module')
def two_rank_batch():
    features, labels = random_batch(8, 2, 3, seed=4)
    features = features.double()
    single = features.clone().requires_grad_()
    loss = SupConLoss(temperature=0.1)(single, labels)
    loss.backward()
    return features, labels, loss.item(), single.grad


def test_two_ranks_equal_one_process(tmp_path, two_rank_batch):
    features, labels, single_loss, single_grad = two_rank_batch
    results = run_two_ranks(tmp_path, features, labels, False)
    mean_loss = (results[0][0] + results[1][0]) / 2
    assert mean_loss == pytest.approx(single_loss, rel=1e-9)
    # DDP averages gradients over ranks: grad / world_size
    gathered_grad = torch.cat([results[0][1], results[1][1]]) / 2
    torch.testing.assert_close(gathered_grad, single_grad)


def test_local_slice_gather_is_caught(tmp_path, two_rank_batch):
    features, labels, single_loss, single_grad = two_rank_batch
    results = run_two_ranks(tmp_path, features, labels, True)
    gathered_grad = torch.cat([results[0][1], results[1][1]]) / 2
    # same loss value, but the other rank's gradient terms are lost
    assert (results[0][0] + results[1][0]) / 2 == pytest.approx(single_loss)
    assert not torch.allclose(gathered_grad, single_grad, atol=1e-6)


def test_sequence_loss_refuses_one_frame_views():
    # CARL with one frame per view: the loss is exactly 0 whatever the
    # embeddings (one softmax entry equals its one Gaussian weight)
    from scfa_mm.models import SequenceContrastiveLoss
    embeddings = torch.randn(3, 2, 1, 8)
    timestamps = torch.zeros(3, 2, 1)
    with pytest.raises(ValueError, match='num_frames'):
        SequenceContrastiveLoss()(embeddings, timestamps)
    value = SequenceContrastiveLoss()(torch.randn(3, 2, 2, 8),
                                      torch.zeros(3, 2, 2))
    assert value.item() > 0
