import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from .test_supcon_loss import loop_supcon


def build_model(**head):
    head_cfg = dict(
        type='SupConHead',
        num_classes=3,
        in_channels=512,
        hidden_channels=32,
        embed_channels=8,
        topk=(1, ))
    head_cfg.update(head)
    model = MODELS.build(
        dict(
            type='SCFARecognizer',
            backbone=dict(type='ResNet', depth=18, pretrained=None),
            cls_head=head_cfg,
            data_preprocessor=dict(
                type='ActionDataPreprocessor',
                mean=[128.] * 3,
                std=[64.] * 3,
                format_shape='NCHW')))
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
        model = build_model(joint_ce_weight=weight, loss_contrastive=None)
        torch.manual_seed(0)
        model.load_state_dict(build_model(loss_contrastive=None).state_dict())
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


@pytest.mark.parametrize('bad_label', [3, -1])
def test_label_out_of_range_is_named(bad_label):
    model = build_model()
    data = model.data_preprocessor(batch([0, bad_label]), training=True)
    with pytest.raises(ValueError, match=rf'\[{bad_label}\].*\[0, 3\)'):
        model(**data, mode='loss')


@pytest.mark.parametrize('kwargs, message', [
    (dict(positives='class'), "'class'"),
    (dict(joint_ce_weight=-1), 'joint_ce_weight'),
])
def test_bad_head_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_model(**kwargs)


def test_embeddings_are_normalised_projections():
    model = build_model().eval()
    features = torch.randn(5, 512, 2, 2)
    pooled = features.mean((2, 3))
    expected = F.normalize(model.cls_head.projector(pooled), dim=1)
    torch.testing.assert_close(model.cls_head.embed(features), expected)


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

    from .conftest import REPO_ROOT
    small = dict(
        backbone=dict(depth=18),
        cls_head=dict(in_channels=512, hidden_channels=32))
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/scfa_hmdb51.py')
    cfg.model.backbone.pretrained = None
    cfg.merge_from_dict(dict(model=small))
    trained = MODELS.build(cfg.model)
    trained.init_weights()
    checkpoint = tmp_path / 'scfa.pth'
    torch.save(dict(state_dict=trained.state_dict()), checkpoint)

    cfg = Config.fromfile(f'{REPO_ROOT}/configs/scfa_linear_hmdb51.py')
    cfg.merge_from_dict(dict(model=small))
    cfg.model.backbone.init_cfg.checkpoint = str(checkpoint)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for key, value in trained.backbone.state_dict().items():
        torch.testing.assert_close(model.backbone.state_dict()[key], value)
    assert model.cls_head.projector is None

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
