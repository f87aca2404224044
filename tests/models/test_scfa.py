"""SCFARecognizer: its forward modes, the contrastive and probe losses, old
checkpoints, and the linear evaluation config."""
import argparse
import re

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from scfa_mm.utils import build_untrained_model
from .test_supcon_loss import loop_supcon


def build_model(**overrides):
    cfg = dict(
        type='SCFARecognizer',
        backbone=dict(type='ResNet', depth=18, pretrained=None),
        neck=dict(
            type='ProjectionNeck',
            in_channels=512,
            hidden_channels=32,
            out_channels=8),
        head=dict(type='SupConHead'),
        cls_head=dict(
            type='LinearProbeHead', num_classes=3, in_channels=512,
            topk=(1, )),
        data_preprocessor=dict(
            type='ActionDataPreprocessor',
            mean=[128.] * 3,
            std=[64.] * 3,
            format_shape='NCHW'))
    cfg.update(overrides)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(labels, num_views=2, size=32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(
            0,
            256, (num_views, 3, size, size),
            generator=generator,
            dtype=torch.uint8) for _ in labels
    ]
    samples = [ActionDataSample().set_gt_label(label) for label in labels]
    return dict(inputs=inputs, data_samples=samples)


def test_tensor_mode_shapes():
    model = build_model().eval()
    data = model.data_preprocessor(batch([0, 1, 2], num_views=4))
    with torch.no_grad():
        embeddings = model(data['inputs'], mode='tensor')
        features = model(data['inputs'], mode='tensor', stage='backbone')
        scores = model(data['inputs'], mode='tensor', stage='head')
    assert embeddings.shape == (3, 4, 8)
    torch.testing.assert_close(embeddings.norm(dim=-1), torch.ones(3, 4))
    assert features.shape == (3, 4, 512)
    assert scores.shape == (3, 4, 3)
    with pytest.raises(ValueError, match="'neck'"):
        model(data['inputs'], mode='tensor', stage='neck')


def test_predict_averages_view_probabilities():
    model = build_model().eval()
    data = model.data_preprocessor(batch([0, 1], num_views=3))
    with torch.no_grad():
        scores = model(data['inputs'], mode='tensor', stage='head')
        predictions = model(**data, mode='predict')
    expected = scores.softmax(-1).mean(1)
    for prediction, probs in zip(predictions, expected):
        torch.testing.assert_close(prediction.pred_score, probs)
        assert prediction.pred_label.item() == probs.argmax().item()


@pytest.mark.parametrize('positives', ['label', 'video'])
def test_training_step_in_both_positive_modes(positives):
    """One optimiser step through the base class: the contrastive loss is
    SupCon of the right targets (a plain loop, independently), and the
    step changes the encoder, the projection and the classifier."""
    model = build_model(positives=positives)
    labels = [0, 1, 0, 2]
    data = model.data_preprocessor(batch(labels), training=True)
    # rows are video-major: video b owns rows 2b and 2b+1
    targets = torch.tensor(labels).repeat_interleave(2) \
        if positives == 'label' else torch.arange(4).repeat_interleave(2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = {k: v.clone() for k, v in model.named_parameters()}

    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_supcon', 'loss_cls', 'top1_acc'}
    # the same forward, by hand: backbone -> pool -> neck -> normalise
    with torch.no_grad():
        pooled = model.backbone(data['inputs'].flatten(0, 1)).mean((2, 3))
        embeddings = F.normalize(model.neck(pooled), dim=1)
    # train-mode batch norm: the second pass sees the same batch statistics
    expected = loop_supcon(embeddings.double(), targets)
    assert losses['loss_supcon'].item() == pytest.approx(expected, rel=1e-4)
    (losses['loss_supcon'] + losses['loss_cls']).backward()
    optimizer.step()
    changed = {
        k.split('.')[0]
        for k, v in model.named_parameters() if not torch.equal(v, before[k])
    }
    assert changed == {'backbone', 'neck', 'cls_head'}


@pytest.mark.parametrize('positives', ['label', 'video'])
def test_contrastive_targets(positives):
    # eval mode: batch norm gives the same features in both forward passes
    model = build_model(positives=positives).eval()
    labels = [0, 1, 0, 2]
    data = model.data_preprocessor(batch(labels))
    with torch.no_grad():
        embeddings = model(data['inputs'], mode='tensor').reshape(8, -1)
    # views are video-major: video b owns rows 2b and 2b+1
    if positives == 'label':
        targets = torch.tensor(labels).repeat_interleave(2)
    else:
        targets = torch.arange(4).repeat_interleave(2)
    expected = loop_supcon(embeddings.double(), targets)
    losses = model(**data, mode='loss')
    assert losses['loss_supcon'].item() == pytest.approx(expected, rel=1e-4)


def backbone_grad_norm(model, losses, key):
    model.zero_grad()
    losses[key].backward(retain_graph=True)
    return sum(p.grad.abs().sum().item() for p in model.backbone.parameters()
               if p.grad is not None)


def test_linear_probe_does_not_train_the_encoder():
    model = build_model()
    data = model.data_preprocessor(batch([0, 1]), training=True)
    losses = model(**data, mode='loss')
    assert backbone_grad_norm(model, losses, 'loss_cls') == 0
    assert model.cls_head.fc_cls.weight.grad.abs().sum() > 0
    assert backbone_grad_norm(model, losses, 'loss_supcon') > 0


def test_joint_cross_entropy_trains_the_encoder_scaled():
    grads = {}
    for weight in (1.0, 0.25):
        model = build_model(joint_ce_weight=weight, neck=None, head=None)
        torch.manual_seed(0)
        model.load_state_dict(build_model(neck=None, head=None).state_dict())
        data = model.data_preprocessor(batch([0, 1]), training=True)
        losses = model(**data, mode='loss')
        assert 'loss_supcon' not in losses
        grads[weight] = backbone_grad_norm(model, losses, 'loss_cls')
    assert grads[1.0] > 0
    assert grads[0.25] == pytest.approx(0.25 * grads[1.0], rel=1e-4)


def test_one_video_with_two_views_trains():
    model = build_model()
    data = model.data_preprocessor(batch([2]), training=True)
    losses = model(**data, mode='loss')
    total = losses['loss_supcon'] + losses['loss_cls']
    # each view's only candidate is its positive: probability 1, loss 0
    assert losses['loss_supcon'].item() == pytest.approx(0, abs=1e-6)
    assert torch.isfinite(total)
    total.backward()
    assert all(
        torch.isfinite(p.grad).all() for p in model.parameters()
        if p.grad is not None)


@pytest.mark.parametrize('kwargs, message', [
    (dict(positives='class'), "'class'"),
    (dict(joint_ce_weight=-1), 'joint_ce_weight'),
    (dict(neck=None), 'needs a neck'),
])
def test_bad_algorithm_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_model(**kwargs)


def test_embeddings_are_normalised_projections():
    model = build_model().eval()
    pooled = torch.randn(5, 512)
    layers = model.neck.mlp
    expected = layers[2](torch.relu(layers[0](pooled)))
    expected = expected / expected.norm(dim=1, keepdim=True)
    torch.testing.assert_close(model.embed(pooled), expected)


def test_first_release_checkpoints_load():
    """Checkpoints of the release with the projector inside the head load
    into the neck."""
    model = build_model()
    state = model.state_dict()
    old = {
        k.replace('neck.mlp.', 'cls_head.projector.'): v
        for k, v in state.items()
    }
    fresh = build_model()
    fresh.load_state_dict(old)
    for key, value in state.items():
        torch.testing.assert_close(fresh.state_dict()[key], value)


def test_probe_options_of_base_head_are_used():
    """label_smooth_eps reaches the loss (it was silently ignored before)."""
    labels = [0, 1]
    model = build_model(neck=None, head=None)
    data = model.data_preprocessor(batch(labels), training=True)
    model.eval()  # fixed batch norm: both forwards see the same features
    with torch.no_grad():
        scores = model(data['inputs'], mode='tensor', stage='head')
    plain = model(**data, mode='loss')['loss_cls']
    model.cls_head.label_smooth_eps = 0.2
    smooth = model(**data, mode='loss')['loss_cls']
    log_probs = scores.flatten(0, 1).log_softmax(-1)
    targets = torch.tensor(labels).repeat_interleave(2)
    expected_plain = -log_probs[torch.arange(4), targets].mean()
    soft = torch.full((4, 3), 0.2 / 3)
    soft[torch.arange(4), targets] += 0.8
    expected_smooth = -(soft * log_probs).sum(1).mean()
    assert plain.item() == pytest.approx(expected_plain.item(), rel=1e-5)
    assert smooth.item() == pytest.approx(expected_smooth.item(), rel=1e-5)


def test_predict_stores_the_video_embedding():
    model = build_model().eval()
    data = model.data_preprocessor(batch([0, 1], num_views=3))
    with torch.no_grad():
        views = model(data['inputs'], mode='tensor')  # (B, V, D)
        predictions = model(**data, mode='predict')
    for prediction, video in zip(predictions, views):
        expected = F.normalize(video.mean(0), dim=0)
        torch.testing.assert_close(prediction.embedding, expected)


def test_linear_evaluation_config_freezes_the_loaded_encoder(tmp_path):
    from mmengine import Config
    from mmengine.config import DictAction

    from ..conftest import REPO_ROOT
    small = dict(
        backbone=dict(depth=18),
        neck=dict(in_channels=512, hidden_channels=32),
        cls_head=dict(in_channels=512))
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/scfa_hmdb51.py')
    cfg.merge_from_dict(dict(model=small))
    trained = build_untrained_model(cfg.model)
    trained.init_weights()
    checkpoint = tmp_path / 'scfa.pth'
    torch.save(dict(state_dict=trained.state_dict()), checkpoint)

    path = (f'{REPO_ROOT}/configs/scfa/benchmarks/'
            'r50_linear-4xb16-30e_hmdb51.py')
    cfg = Config.fromfile(path)
    del small['neck']  # the linear evaluation has none
    cfg.merge_from_dict(dict(model=small))
    # the override exactly as the config's header documents it
    header = open(path).read().split('_base_')[0].replace('\\\n#', '')
    option = re.search(r'--cfg-options\s+(\S+)=', header).group(1)
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(
        parser.parse_args(['--cfg-options',
                           f'{option}={checkpoint}']).cfg_options)
    assert cfg.model.backbone.init_cfg.checkpoint == str(checkpoint)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for key, value in trained.backbone.state_dict().items():
        torch.testing.assert_close(model.backbone.state_dict()[key], value)
    assert model.neck is None and model.head is None

    model.train()  # mmaction's ResNet freezes its stages here
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert not model.backbone.conv1.bn.training  # norm_eval
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1)
    data = model.data_preprocessor(batch([0, 1], size=64), training=True)
    losses = model(**data, mode='loss')
    losses['loss_cls'].backward()
    optimizer.step()
    changed = {
        k
        for k, v in model.state_dict().items()
        if not torch.equal(v, before[k])
    }
    assert changed == {'cls_head.fc_cls.weight', 'cls_head.fc_cls.bias'}


def test_channels_last_gives_the_same_outputs():
    model = build_model().eval()
    fast = build_model(channels_last=True).eval()
    fast.load_state_dict(model.state_dict())
    assert fast.backbone.conv1.conv.weight.is_contiguous(
        memory_format=torch.channels_last)
    data = model.data_preprocessor(batch([0, 1]))
    with torch.no_grad():
        expected = model(data['inputs'], mode='tensor', stage='backbone')
        actual = fast(data['inputs'], mode='tensor', stage='backbone')
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-4)
