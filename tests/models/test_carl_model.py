import math

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine import Config

from scfa_mm.models.backbones.frame_encoder import sine_cosine_encoding
from scfa_mm.models.losses import SequenceContrastiveLoss
from ..conftest import REPO_ROOT

SMALL_CONFIG = f'{REPO_ROOT}/configs/carl/carl_r18-small_synthetic.py'


def small_encoder(**kwargs):
    cfg = dict(
        type='FrameTransformerEncoder',
        image_backbone=dict(
            type='ResNet', depth=18, pretrained=None, frozen_stages=3),
        in_channels=512,
        embed_channels=16,
        out_channels=8,
        num_layers=2,
        num_heads=2,
        ffn_channels=32,
        dropout=0.0,
        num_train_frames=6)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_sine_cosine_encoding_by_formula():
    encoding = sine_cosine_encoding(torch.tensor([0.0, 3.0, 7.5]), 8)
    for row, pos in enumerate((0.0, 3.0, 7.5)):
        for k in range(4):
            angle = pos / 10000**(2 * k / 8)
            assert encoding[row, 2 * k].item() == pytest.approx(
                math.sin(angle), abs=1e-6)
            assert encoding[row, 2 * k + 1].item() == pytest.approx(
                math.cos(angle), abs=1e-6)


def test_per_channel_frequencies_follow_the_release_formula():
    # the authors' code: channel i of width C is sin (even i) or cos (odd
    # i) of pos / 10000 ** (i / C)
    positions = (0.0, 3.0, 7.5)
    encoding = sine_cosine_encoding(
        torch.tensor(positions), 8, frequencies='per_channel')
    for row, pos in enumerate(positions):
        for i in range(8):
            wave = math.sin if i % 2 == 0 else math.cos
            assert encoding[row, i].item() == pytest.approx(
                wave(pos / 10000**(i / 8)), abs=1e-6)
    with pytest.raises(ValueError, match='per_channel'):
        sine_cosine_encoding(torch.tensor(positions), 8, frequencies='odd')


def test_positions_of_a_view_and_of_a_whole_video():
    encoder = small_encoder()  # trained on views of 6 frames
    view = encoder.positions(6, torch.device('cpu'))
    torch.testing.assert_close(view,
                               sine_cosine_encoding(torch.arange(6.0), 16))
    # a whole video of 11 frames spreads over positions 0 .. 5
    video = encoder.positions(11, torch.device('cpu'))
    torch.testing.assert_close(
        video, sine_cosine_encoding(torch.arange(11.0) / 2, 16))


def test_encoder_shapes_and_frozen_stages_get_no_gradient():
    encoder = small_encoder()
    encoder.train()
    out = encoder(torch.randn(2, 3, 6, 32, 32))
    assert out.shape == (2, 6, 8)
    out.square().sum().backward()
    backbone = encoder.image_backbone
    for frozen in (backbone.conv1, backbone.layer1, backbone.layer2,
                   backbone.layer3):
        assert all(p.grad is None for p in frozen.parameters())
        assert all(not p.requires_grad for p in frozen.parameters())
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in backbone.layer4.parameters())
    # the frozen stages' BatchNorm statistics do not move in training
    assert not backbone.layer3.training


def test_whole_video_in_chunks_equals_one_pass():
    torch.manual_seed(0)
    clips = torch.randn(1, 3, 23, 32, 32)
    chunked = small_encoder(chunk_size=4).eval()
    one_pass = small_encoder(chunk_size=1000).eval()
    one_pass.load_state_dict(chunked.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(
            chunked(clips), one_pass(clips), rtol=1e-5, atol=1e-5)


def test_padded_frames_do_not_change_real_ones():
    encoder = small_encoder().eval()
    clips = torch.randn(1, 3, 6, 32, 32)
    masks = torch.tensor([[True, True, True, True, False, False]])
    other = clips.clone()
    other[:, :, 4:] = torch.randn(1, 3, 2, 32, 32)
    with torch.no_grad():
        a, b = encoder(clips, masks), encoder(other, masks)
        unmasked = encoder(other)
    torch.testing.assert_close(a[:, :4], b[:, :4])
    assert not torch.allclose(a[:, :4], unmasked[:, :4])


@pytest.mark.parametrize('position_encoding', [True, False])
def test_without_positions_the_encoder_is_blind_to_frame_order(
        position_encoding):
    """Without the positional encoding, reversing the frames reverses the
    representations (the Transformer sees a set); with it, it does not."""
    torch.manual_seed(0)
    encoder = small_encoder(position_encoding=position_encoding).eval()
    clips = torch.randn(1, 3, 6, 32, 32)
    with torch.no_grad():
        forward = encoder(clips)
        backward = encoder(clips.flip(2)).flip(1)
    assert torch.allclose(forward, backward, atol=1e-5) == \
        (not position_encoding)


def test_release_options_build_the_release_layers():
    encoder = small_encoder(
        fc_channels=24,
        dropout=0.1,
        attention_dropout=0.0,
        ffn_dropout=0.0,
        transformer_init='xavier')
    # 512 -> 24 -> 24 (FC-BN-ReLU twice), then a linear layer to 16
    assert encoder.transform_block[1].weight.shape == (24, 512)
    assert encoder.input_projection.weight.shape == (16, 24)
    first, second = encoder.temporal_encoder.layers
    assert first.self_attn.dropout == 0.0 and first.dropout.p == 0.0
    assert first.dropout1.p == first.dropout2.p == 0.1
    assert encoder.position_dropout.p == 0.1
    # xavier-uniform per (16, 16) projection: bound sqrt(6 / 32), wider
    # than the joint (48, 16) matrix's sqrt(6 / 64) of PyTorch's default
    bound = math.sqrt(6 / 32)
    for weight in first.self_attn.in_proj_weight.detach().chunk(3):
        assert 0.9 * bound < weight.abs().max() <= bound
    # linear biases as nn.Linear's, not PyTorch attention's zeros
    assert first.self_attn.in_proj_bias.abs().min() > 0
    # every layer starts as a copy of the first, as in the release
    for a, b in zip(first.parameters(), second.parameters()):
        torch.testing.assert_close(a, b)
    # without fc_channels the block feeds the Transformer directly
    assert isinstance(small_encoder().input_projection, torch.nn.Identity)


def test_backbone_batches_are_time_chunks_of_all_clips():
    """In training the trained stage's BatchNorm sees ``chunk_size`` time
    steps of every clip at once, as the release's FRAMES_PER_BATCH."""
    torch.manual_seed(0)
    encoder = small_encoder(chunk_size=2).train()
    clips = torch.randn(2, 3, 5, 32, 32)
    with torch.no_grad():
        feats = encoder.frame_features(clips)
        torch.manual_seed(0)
        reference = small_encoder(chunk_size=2).train()
        expected = []
        for start in (0, 2, 4):
            chunk = clips[:, :, start:start + 2]
            frames = chunk.transpose(1, 2).reshape(-1, 3, 32, 32)
            maps = reference.image_backbone(frames)
            expected.append(maps.amax(dim=(2, 3)).view(2, chunk.shape[2], -1))
    torch.testing.assert_close(feats, torch.cat(expected, dim=1))


def test_bad_encoder_arguments_are_named():
    with pytest.raises(ValueError, match='embed_channels'):
        small_encoder(embed_channels=15)
    with pytest.raises(ValueError, match='spatial_pool'):
        small_encoder(spatial_pool='sum')
    with pytest.raises(ValueError, match="transformer_init.*'xavier'"):
        small_encoder(transformer_init='kaiming')
    with pytest.raises(ValueError, match='attention_dropout'):
        small_encoder(attention_dropout=1.5)
    with pytest.raises(ValueError, match='fc_channels'):
        small_encoder(fc_channels=0)
    with pytest.raises(ValueError, match=r'\(N, 3, T, H, W\)'):
        small_encoder()(torch.randn(2, 3, 32, 32))


def build_small_carl():
    cfg = Config.fromfile(SMALL_CONFIG)
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def carl_batch(batch=2, num_frames=16, size=32):
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(batch):
        sample = ActionDataSample()
        sample.set_gt_label(0)
        steps = np.sort(rng.choice(40, (2, num_frames), replace=True), 1)
        mask = np.ones((2, num_frames), dtype=bool)
        mask[1, -2:] = False
        sample.set_field(steps, 'frame_timestamps')
        sample.set_field(mask, 'frame_mask')
        samples.append(sample)
    inputs = torch.randn(batch, 2, 3, num_frames, size, size)
    return inputs, samples


def test_loss_equals_the_sequence_loss_of_the_projections():
    model = build_small_carl().train()
    inputs, samples = carl_batch()
    torch.manual_seed(1)
    losses = model.loss(inputs, samples)
    # the same forward, by hand: encoder, neck, normalise, loss
    torch.manual_seed(1)
    timestamps = torch.as_tensor(
        np.stack([s.frame_timestamps for s in samples]))
    masks = torch.as_tensor(np.stack([s.frame_mask for s in samples]))
    feats = model.backbone(inputs.flatten(0, 1), masks.flatten(0, 1))
    projected = torch.nn.functional.normalize(
        model.neck(feats.flatten(0, 1)), dim=-1).view(2, 2, 16, -1)
    expected = SequenceContrastiveLoss(
        temperature=0.1, variance=2.0)(projected, timestamps, masks)
    torch.testing.assert_close(losses['loss_scl'], expected)


def test_predict_and_tensor_mode_give_normalised_frame_embeddings():
    model = build_small_carl().eval()
    inputs = torch.randn(1, 1, 3, 37, 32, 32)
    sample = ActionDataSample()
    with torch.no_grad():
        predicted = model.predict(inputs, [sample])[0].frame_embeddings
        tensor = model(inputs, mode='tensor')
    assert predicted.shape == (37, 32) and tensor.shape == (1, 37, 32)
    torch.testing.assert_close(predicted.norm(dim=-1), torch.ones(37))
    torch.testing.assert_close(predicted, tensor[0])


def test_bf16_training_step_is_finite():
    model = build_small_carl().train()
    inputs, samples = carl_batch()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = model.loss(inputs, samples)['loss_scl']
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_timestamps_that_do_not_fit_the_inputs_are_refused():
    model = build_small_carl()
    inputs, samples = carl_batch(num_frames=16)
    with pytest.raises(ValueError, match='frame_timestamps'):
        model.loss(inputs[:, :, :, :8], samples)
