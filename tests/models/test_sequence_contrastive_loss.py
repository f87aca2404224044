import math

import numpy as np
import pytest
import torch

from scfa_mm.models.losses import SequenceContrastiveLoss


def loop_loss(embeddings, timestamps, masks, temperature, variance):
    """The paper's equations (1)-(3) as KL divergence, one frame at a time,
    in plain Python floats."""
    emb = embeddings.double().numpy()
    emb = emb / np.linalg.norm(emb, axis=-1, keepdims=True)
    batch, _, num_frames, _ = emb.shape
    total, count = 0.0, 0
    for b in range(batch):
        for view in (0, 1):
            other = 1 - view
            for i in range(num_frames):
                if not masks[b, view, i]:
                    continue
                sims, log_gauss = [], []
                for j in range(num_frames):
                    if not masks[b, other, j]:
                        continue
                    dot = float(emb[b, view, i] @ emb[b, other, j])
                    sims.append(math.exp(dot / temperature))
                    distance = float(timestamps[b, view, i] -
                                     timestamps[b, other, j])
                    log_gauss.append(-distance**2 / (2 * variance))
                # relative to the nearest frame: far ones underflow to 0
                gauss = [math.exp(g - max(log_gauss)) for g in log_gauss]
                for sim, weight in zip(sims, gauss):
                    p, w = sim / sum(sims), weight / sum(gauss)
                    if w > 0:
                        total += w * math.log(w / p)
                count += 1
    return total / count


def authors_style_loss(embeddings, timestamps, temperature, variance):
    """The authors' formulation restated: one similarity matrix over all
    frames of the batch, denominators over the other view of the same
    video only (``single_noself``), Gaussian targets normalised per row,
    KL with log(p + 1e-6), summed and divided by the number of frames."""
    batch, views, num_frames, dim = embeddings.shape
    z = torch.nn.functional.normalize(embeddings.double(), dim=-1)
    z = z.reshape(-1, dim)
    steps = timestamps.double().reshape(-1)
    logits = z @ z.T / temperature
    video = torch.arange(batch).repeat_interleave(views * num_frames)
    view = torch.arange(views).repeat_interleave(num_frames).repeat(batch)
    other_view_same_video = (video[:, None] == video[None, :]) & (
        view[:, None] != view[None, :])
    weight = other_view_same_video.double()
    distance = (steps[:, None] - steps[None, :]).abs()
    gauss = torch.exp(-distance**2 / (2 * variance)) * weight
    target = gauss / gauss.sum(1, keepdim=True)
    exp_logits = logits.exp()
    p = exp_logits / (weight * exp_logits).sum(1, keepdim=True)
    kl = torch.where(target > 0, target * (target.log() - (p + 1e-6).log()),
                     torch.zeros_like(target))
    return kl.sum() / len(z)


def random_inputs(batch=2, num_frames=7, dim=5, seed=0, spans=(30, 60)):
    generator = torch.Generator().manual_seed(seed)
    embeddings = torch.randn(batch, 2, num_frames, dim, generator=generator)
    timestamps = torch.stack([
        torch.stack([
            torch.sort(
                torch.randperm(span, generator=generator)[:num_frames] +
                offset)[0] for span, offset in zip(spans, (0, 10))
        ]) for _ in range(batch)
    ])
    return embeddings, timestamps


def test_equals_a_plain_loop_over_frames():
    embeddings, timestamps = random_inputs()
    masks = torch.ones(timestamps.shape, dtype=torch.bool)
    loss = SequenceContrastiveLoss(temperature=0.1, variance=10.0, eps=0)
    value = loss(embeddings.double(), timestamps).item()
    expected = loop_loss(embeddings, timestamps, masks, 0.1, 10.0)
    assert value == pytest.approx(expected, rel=1e-9)


def test_views_of_different_crop_lengths_and_temperature():
    # view 0 spans 12 frames, view 1 spans 200: far frames get ~0 weight
    embeddings, timestamps = random_inputs(spans=(12, 200), seed=3)
    masks = torch.ones(timestamps.shape, dtype=torch.bool)
    loss = SequenceContrastiveLoss(temperature=0.5, variance=4.0, eps=0)
    expected = loop_loss(embeddings, timestamps, masks, 0.5, 4.0)
    assert loss(embeddings.double(), timestamps).item() == pytest.approx(
        expected, rel=1e-9)


def test_matches_the_authors_formulation():
    embeddings, timestamps = random_inputs(batch=3, num_frames=10, seed=1)
    ours = SequenceContrastiveLoss()(embeddings.double(), timestamps).item()
    theirs = authors_style_loss(embeddings, timestamps, 0.1, 10.0).item()
    assert ours == pytest.approx(theirs, rel=1e-9)
    # their epsilon matters at temperature 0.1: unlikely pairs are floored
    exact = SequenceContrastiveLoss(eps=0)(embeddings.double(), timestamps)
    assert abs(exact.item() - theirs) > 1e-3


def test_padded_frames_contribute_nothing():
    embeddings, timestamps = random_inputs(seed=2)
    masks = torch.ones(timestamps.shape, dtype=torch.bool)
    masks[0, 1, -3:] = False
    masks[1, 0, -1] = False
    loss = SequenceContrastiveLoss(eps=0)
    value = loss(embeddings.double(), timestamps, masks)
    assert value.item() == pytest.approx(
        loop_loss(embeddings, timestamps, masks, 0.1, 10.0), rel=1e-9)
    # whatever the padded frames hold, the loss is the same
    changed_emb, changed_times = embeddings.clone(), timestamps.clone()
    changed_emb[~masks] = torch.randn(int((~masks).sum()), 5)
    changed_times[~masks] = 999
    assert loss(changed_emb.double(), changed_times,
                masks).item() == pytest.approx(
                    value.item(), rel=1e-12)


def test_padded_frames_get_no_gradient_and_gradients_are_finite():
    embeddings, timestamps = random_inputs(seed=4)
    masks = torch.ones(timestamps.shape, dtype=torch.bool)
    masks[0, 0, -2:] = False
    embeddings.requires_grad_(True)
    SequenceContrastiveLoss()(embeddings, timestamps, masks).backward()
    assert torch.isfinite(embeddings.grad).all()
    assert embeddings.grad[~masks].abs().max() == 0
    assert embeddings.grad[masks].abs().max() > 0


def test_gradient_check_float64():
    embeddings, timestamps = random_inputs(batch=1, num_frames=4, dim=3)
    embeddings = embeddings.double().requires_grad_(True)
    masks = torch.ones(timestamps.shape, dtype=torch.bool)
    masks[0, 1, -1] = False
    loss = SequenceContrastiveLoss(temperature=0.3, variance=5.0)
    assert torch.autograd.gradcheck(lambda e: loss(e, timestamps, masks),
                                    (embeddings, ))


def test_aligned_views_score_better_than_shuffled_ones():
    # embeddings that vary smoothly with the timestamp fit the prior
    timestamps = torch.arange(0, 40, 2).view(1, 1, -1).repeat(1, 2, 1)
    timestamps[:, 1] += 1
    angles = timestamps.double() / 40 * math.pi
    aligned = torch.stack([angles.cos(), angles.sin()], dim=-1)
    shuffled = aligned[:, :, torch.randperm(20)]
    loss = SequenceContrastiveLoss()
    assert loss(aligned, timestamps) < loss(shuffled, timestamps)


def test_float32_under_bf16_autocast():
    embeddings, timestamps = random_inputs()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = SequenceContrastiveLoss()(embeddings.bfloat16(), timestamps)
    assert value.dtype == torch.float32 and torch.isfinite(value)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='temperature'):
        SequenceContrastiveLoss(temperature=0)
    with pytest.raises(ValueError, match='variance'):
        SequenceContrastiveLoss(variance=-1)
    with pytest.raises(ValueError, match='eps'):
        SequenceContrastiveLoss(eps=-1e-6)
    loss = SequenceContrastiveLoss()
    with pytest.raises(ValueError, match=r'\(B, 2, T, D\)'):
        loss(torch.randn(2, 3, 4, 5), torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match='timestamps'):
        loss(torch.randn(2, 2, 4, 5), torch.zeros(2, 2, 3))
    with pytest.raises(ValueError, match='masks'):
        loss(
            torch.randn(2, 2, 4, 5), torch.zeros(2, 2, 4),
            torch.ones(2, 4, dtype=torch.bool))
