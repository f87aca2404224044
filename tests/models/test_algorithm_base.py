"""What BaseContrastiveRecognizer declares and checks once for every
algorithm: positives, view dimensionality, feature level, the abstract
loss and the shared contrastive loss body."""
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine import Config

from scfa_mm.models import CARL, CVRL, SCFARecognizer
from scfa_mm.models.algorithms import BaseContrastiveRecognizer
from ..conftest import REPO_ROOT
from .test_supcon_loss import loop_supcon

# a narrow 2D ResNet: builds and runs in milliseconds, (N, 64) features
TINY_2D = dict(
    type='mmpretrain.ResNet', depth=18, stem_channels=8, base_channels=8)
NECK = dict(
    type='ProjectionNeck', in_channels=64, hidden_channels=8, out_channels=4)


def tiny(cls, **kwargs):
    cfg = dict(backbone=dict(TINY_2D), neck=dict(NECK), head=None)
    cfg.update(kwargs)
    return cls(**cfg)


def test_declarations_of_the_three_methods():
    assert SCFARecognizer.allowed_positives == ('label', 'video')
    assert SCFARecognizer.default_positives == 'label'
    assert (CVRL.allowed_positives, CARL.allowed_positives) == (('video', ),
                                                                ('video', ))
    assert (SCFARecognizer.view_dims, CVRL.view_dims, CARL.view_dims) == (3, 4,
                                                                          4)
    assert (SCFARecognizer.feature_level, CVRL.feature_level,
            CARL.feature_level) == ('clip', 'clip', 'frame')


def test_a_method_without_loss_cannot_be_built():

    class NoLoss(BaseContrastiveRecognizer):
        pass

    with pytest.raises(TypeError, match='abstract.*loss'):
        NoLoss(backbone=dict(TINY_2D))


@pytest.mark.parametrize('attrs, message', [
    (dict(allowed_positives=('label', 'frame')), 'allowed_positives'),
    (dict(allowed_positives=()), 'allowed_positives'),
    (dict(allowed_positives=('video', ), default_positives='label'),
     "default_positives must be one of \\('video',\\)"),
    (dict(view_dims=5), 'view_dims'),
    (dict(feature_level='pixel'), 'feature_level'),
    (dict(feature_level='frame', view_dims=3), 'view_dims = 4'),
])
def test_contradicting_declarations_are_refused_at_definition(attrs, message):
    with pytest.raises(ValueError, match=message):
        type('Bad', (BaseContrastiveRecognizer, ), dict(attrs))


def test_default_and_refused_positives():
    assert tiny(SCFARecognizer).positives == 'label'
    assert tiny(SCFARecognizer, positives='video').positives == 'video'
    with pytest.raises(
            ValueError,
            match=r"SCFARecognizer: positives must be one of "
            r"\('label', 'video'\), got 'class'"):
        tiny(SCFARecognizer, positives='class')


def cvrl_cfg():
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/cvrl/cvrl_r3d18-small_synthetic.py').model
    cfg.backbone.update(depth=18, base_channels=8)
    cfg.neck.in_channels = cfg.cls_head.in_channels = 64
    return cfg


def carl_cfg():
    return Config.fromfile(
        f'{REPO_ROOT}/configs/carl/carl_r18-small_synthetic.py').model


@pytest.mark.parametrize('make_cfg, name', [(cvrl_cfg, 'CVRL'),
                                            (carl_cfg, 'CARL')])
def test_self_supervised_methods_take_only_video_positives(make_cfg, name):
    cfg = make_cfg()
    assert MODELS.build(cfg).positives == 'video'  # the configs give none
    cfg.positives = 'video'
    assert MODELS.build(cfg).positives == 'video'
    cfg.positives = 'label'
    with pytest.raises(
            ValueError,
            match=rf"{name}: positives must be one of \('video',\), "
            r"got 'label'"):
        MODELS.build(cfg)


def test_methods_that_need_a_head_say_so():
    cfg = cvrl_cfg()
    cfg.update(head=None, neck=None)
    with pytest.raises(ValueError, match='CVRL needs a contrastive head'):
        MODELS.build(cfg)
    # SCFA without neck and head is a plain classifier
    model = tiny(
        SCFARecognizer,
        neck=None,
        cls_head=dict(type='LinearProbeHead', num_classes=2, in_channels=64))
    assert model.neck is None and model.head is None


@pytest.mark.parametrize('cls, shape, expected', [
    (SCFARecognizer, (2, 2, 3, 4, 32, 32), r'grid images \(B, V, 3, H, W\)'),
    (SCFARecognizer, (2, 3, 32, 32), r'grid images \(B, V, 3, H, W\)'),
    (CVRL, (2, 2, 3, 32, 32), r'clips \(B, V, 3, T, H, W\)'),
])
def test_inputs_of_the_wrong_dimensionality_name_the_model_and_shape(
        cls, shape, expected):
    model = tiny(cls, head=dict(type='SupConHead'))
    got = str(shape).replace('(', r'\(').replace(')', r'\)')
    message = f'{cls.__name__}: expected {expected}, got {got}'
    samples = [ActionDataSample().set_gt_label(0) for _ in range(shape[0])]
    inputs = torch.zeros(shape)
    # every mode goes through the one check, before the backbone runs
    with pytest.raises(ValueError, match=message):
        model.loss(inputs, samples)
    with pytest.raises(ValueError, match=message):
        model.predict(inputs, samples)
    with pytest.raises(ValueError, match=message):
        model(inputs, mode='tensor')


def test_carl_refuses_grid_images():
    model = MODELS.build(carl_cfg())
    with pytest.raises(
            ValueError,
            match=r'CARL: expected clips \(B, V, 3, T, H, W\), '
            r'got \(1, 1, 3, 32, 32\)'):
        model(torch.zeros(1, 1, 3, 32, 32), mode='tensor')


def test_a_method_without_view_dims_takes_any_view():

    class AnyView(BaseContrastiveRecognizer):

        def loss(self, inputs, data_samples, **kwargs):
            return self.contrastive_loss(inputs, data_samples)

    model = tiny(AnyView).eval()
    feats, num_views = model.extract_feat(torch.randn(2, 3, 3, 32, 32))
    assert feats.shape == (6, 64) and num_views == 3
    with pytest.raises(
            ValueError,
            match=r'AnyView: expected inputs '
            r'\(B, V, \*view\), got \(2, 3\)'):
        model.extract_feat(torch.zeros(2, 3))


@pytest.mark.parametrize('positives', ['label', 'video'])
def test_contrastive_loss_is_supcon_of_the_targets_plus_the_probe(positives):
    """The shared body, against an independent computation: SupCon of the
    L2-normalised projections with label or video-id targets, and the
    cross-entropy of the probe on every view."""
    torch.manual_seed(0)
    model = tiny(
        SCFARecognizer,
        head=dict(type='SupConHead'),
        cls_head=dict(
            type='LinearProbeHead', num_classes=3, in_channels=64, topk=(1, )),
        positives=positives).eval()
    labels = [0, 2, 0]
    samples = [ActionDataSample().set_gt_label(y) for y in labels]
    inputs = torch.randn(3, 2, 3, 32, 32)
    losses = model.contrastive_loss(inputs, samples)
    # the log keys, in the order the logs show them
    assert list(losses) == ['loss_supcon', 'top1_acc', 'loss_cls']
    with torch.no_grad():
        maps = model.backbone(inputs.flatten(0, 1))[-1]  # (6, 64, 1, 1)
        feats = maps.mean((2, 3))
        embeddings = F.normalize(model.neck(feats), dim=1)
        scores = model.cls_head.fc_cls(feats)
    targets = torch.tensor(labels).repeat_interleave(2) \
        if positives == 'label' else torch.arange(3).repeat_interleave(2)
    assert losses['loss_supcon'].item() == pytest.approx(
        loop_supcon(embeddings.double(), targets), rel=1e-5)
    expected_ce = F.cross_entropy(scores,
                                  torch.tensor(labels).repeat_interleave(2))
    assert losses['loss_cls'].item() == pytest.approx(
        expected_ce.item(), rel=1e-5)
    # SCFA's loss is exactly this body
    for key, value in model.loss(inputs, samples).items():
        assert torch.equal(value, losses[key])
