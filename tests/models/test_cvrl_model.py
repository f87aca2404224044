"""The CVRL algorithm: its loss, a training step through the Runner, and
the linear evaluation of its encoder."""
import math
import re
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS

from scfa_mm.models.utils import to_channels_last
from scfa_mm.utils import build_untrained_model
from ..conftest import REPO_ROOT
from .test_supcon_loss import loop_supcon

SMALL = f'{REPO_ROOT}/configs/cvrl/cvrl_r3d18-small_synthetic.py'
LINEAR = (f'{REPO_ROOT}/configs/cvrl/benchmarks/'
          'r3d50_linear-8xb32-100e_kinetics400.py')
TINY_BACKBONE = dict(
    depth=18, base_channels=8, conv1_kernel=(3, 7, 7), conv1_stride_t=1)


def small_model():
    cfg = Config.fromfile(SMALL)
    cfg.model.backbone.update(TINY_BACKBONE)
    cfg.model.neck.in_channels = cfg.model.cls_head.in_channels = 64
    model = build_untrained_model(cfg.model)
    model.init_weights()
    return model


def clips(labels, frames=8, size=32, views=2):
    """A batch of random uint8 clips, ``views`` per video."""
    generator = torch.Generator().manual_seed(0)
    inputs = [
        torch.randint(
            0,
            256, (views, 3, frames, size, size),
            generator=generator,
            dtype=torch.uint8) for _ in labels
    ]
    samples = [ActionDataSample().set_gt_label(y) for y in labels]
    return dict(inputs=inputs, data_samples=samples)


def release_infonce(first, second, temperature=0.1):
    """The official CVRL loss restated (losses.py, one replica): the mean
    cross-entropy of each first clip against the other clips of the batch
    (its own second clip the target, itself masked out), plus the same for
    the second clips."""
    num = len(first)
    self_mask = torch.eye(num, dtype=torch.bool)

    def one_direction(anchors, others):
        to_others = anchors @ others.T / temperature
        to_same_view = (anchors @ anchors.T / temperature).masked_fill(
            self_mask, -1e9)
        logits = torch.cat([to_others, to_same_view], dim=1)
        return F.cross_entropy(logits, torch.arange(num))

    return one_direction(first, second) + one_direction(second, first)


def test_loss_is_the_releases_infonce_over_video_ids():
    model = small_model()
    labels = [0, 0, 3, 1]  # equal labels must not make positives
    data = model.data_preprocessor(clips(labels), training=True)
    losses = model(**data, mode='loss')
    with torch.no_grad():
        maps = model.backbone(data['inputs'].flatten(0, 1))
        embeddings = F.normalize(model.neck(maps.mean((2, 3, 4))), dim=1)
    # rows are video-major: (video 0 clip 0, video 0 clip 1, video 1 ...)
    expected = release_infonce(embeddings[0::2].double(),
                               embeddings[1::2].double())
    assert losses['loss_supcon'].item() == pytest.approx(
        expected.item(), rel=1e-4)
    # = twice the mean over all anchors (SupCon with one positive each)
    twice_mean = 2 * loop_supcon(
        embeddings.double(),
        torch.arange(4).repeat_interleave(2),
        temperature=0.1,
        base_temperature=0.1)
    assert losses['loss_supcon'].item() == pytest.approx(twice_mean, rel=1e-4)
    assert {'loss_cls', 'top1_acc'} <= set(losses)


def test_one_replica_step_is_the_releases_and_replicas_multiply_it():
    """Our loss (loss_weight 2) has the gradient of the release's loss on
    one replica. On R replicas the release sums the replicas' gradients of
    their own local-anchor losses: R times the one-replica gradient, which
    the configs do not reproduce (see the schedule)."""
    loss = MODELS.build(Config.fromfile(SMALL).model.head.loss)
    generator = torch.Generator().manual_seed(1)
    raw = torch.randn(12, 16, dtype=torch.float64, generator=generator)

    def grad_of(fn):
        leaf = raw.clone().requires_grad_(True)
        fn(F.normalize(leaf, dim=1)).backward()
        return leaf.grad

    ours = grad_of(lambda z: loss(z, torch.arange(6).repeat_interleave(2)))
    one_replica = grad_of(lambda z: release_infonce(z[0::2], z[1::2]))
    torch.testing.assert_close(ours, one_replica)

    def replicas_summed(z, num_replicas=3):
        first, second = z[0::2], z[1::2]
        local = len(first) // num_replicas
        total = 0
        for r in range(num_replicas):
            rows = slice(r * local, (r + 1) * local)
            ids = torch.arange(rows.start, rows.stop)
            for anchors, others, same in ((first, second, first),
                                          (second, first, second)):
                to_others = anchors[rows] @ others.T / 0.1
                to_same = (anchors[rows] @ same.T / 0.1)
                to_same[torch.arange(local), ids] = -1e9
                total = total + F.cross_entropy(
                    torch.cat([to_others, to_same], 1), ids)
        return total

    torch.testing.assert_close(grad_of(replicas_summed), 3 * one_replica)


def test_r3d50_layout_and_projection_are_the_releases():
    cfg = Config.fromfile(SMALL)
    cfg.model.backbone.update(
        depth=50, base_channels=64, conv1_kernel=(5, 7, 7), conv1_stride_t=2)
    cfg.model.neck.in_channels = cfg.model.cls_head.in_channels = 2048
    cfg.model.neck.hidden_channels = 2048
    model = build_untrained_model(cfg.model)
    model.init_weights()
    backbone = model.backbone
    assert backbone.conv1.conv.kernel_size == (5, 7, 7)
    assert backbone.conv1.conv.stride == (2, 2, 2)
    assert backbone.maxpool.kernel_size == (1, 3, 3)
    assert backbone.maxpool.stride == (1, 2, 2)
    # temporal kernel 3 in the first conv of every res4 and res5 block
    for name, blocks in (('layer1', 3), ('layer2', 4), ('layer3', 6),
                         ('layer4', 3)):
        stage = getattr(backbone, name)
        assert len(stage) == blocks
        temporal = 3 if name in ('layer3', 'layer4') else 1
        for block in stage:
            assert block.conv1.conv.kernel_size == (temporal, 1, 1)
            assert block.conv2.conv.kernel_size == (1, 3, 3)
            # no zero-initialised residual branch: plain BatchNorm
            assert torch.all(block.conv3.bn.weight == 1)
    backbone.eval()
    with torch.no_grad():
        maps = backbone(torch.zeros(1, 3, 16, 32, 32))
    assert maps.shape == (1, 2048, 8, 1, 1)  # only the stem halves time
    # 3 hidden layers (Linear, BatchNorm, ReLU), then Linear to 128
    layers = list(model.neck.mlp)
    kinds = [type(layer).__name__ for layer in layers]
    assert kinds == ['Linear', 'BatchNorm1d', 'ReLU'] * 3 + ['Linear']
    assert layers[-1].out_features == 128 and layers[-1].bias is not None
    # Glorot-uniform weights (Keras' Dense default): U(-a, a) with
    # a = sqrt(6 / (fan_in + fan_out)), standard deviation a / sqrt(3)
    for layer in (layers[0], layers[-1]):
        fan_out, fan_in = layer.weight.shape
        bound = (6 / (fan_in + fan_out))**0.5
        assert layer.weight.abs().max() <= bound
        assert layer.weight.std().item() == pytest.approx(
            bound / 3**0.5, rel=0.02)
    assert torch.all(layers[-1].bias == 0)


@pytest.mark.parametrize('kwargs, message', [
    (dict(positives='label'),
     r"CVRL: positives must be one of \('video',\), got 'label'"),
    (dict(head=None, neck=None), 'contrastive head'),
])
def test_bad_arguments(kwargs, message):
    cfg = Config.fromfile(SMALL).model
    cfg.update(kwargs)
    with pytest.raises(ValueError, match=message):
        build_untrained_model(cfg)


def test_rejects_grid_images():
    model = small_model()
    with pytest.raises(ValueError, match=r'\(B, V, 3, T, H, W\)'):
        model.loss(torch.zeros(2, 2, 3, 32, 32), [])


def test_linear_evaluation_loads_the_encoder_and_trains_only_the_classifier(
        tmp_path):
    cfg = Config.fromfile(SMALL)
    cfg.model.backbone.update(
        depth=50, base_channels=64, conv1_kernel=(5, 7, 7), conv1_stride_t=2)
    cfg.model.neck.in_channels = cfg.model.cls_head.in_channels = 2048
    pretrained = build_untrained_model(cfg.model)
    pretrained.init_weights()
    checkpoint = tmp_path / 'cvrl.pth'
    torch.save(dict(state_dict=pretrained.state_dict()), checkpoint)
    # the flow the config's header documents
    done = subprocess.run([
        sys.executable, 'tools/publish_checkpoint.py',
        str(checkpoint),
        str(tmp_path / 'backbone.pth'), '--backbone-only'
    ],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True)
    backbone_file = re.search(r'written to (\S+)', done.stdout).group(1)

    cfg = Config.fromfile(LINEAR)
    cfg.merge_from_dict({'model.backbone.pretrained': backbone_file})
    cfg.model.cls_head.num_classes = 3
    model = MODELS.build(cfg.model)
    model.init_weights()
    for key, value in pretrained.backbone.state_dict().items():
        torch.testing.assert_close(model.backbone.state_dict()[key], value)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1)
    data = model.data_preprocessor(
        clips([0, 2], frames=8, size=64), training=True)
    data['inputs'] = data['inputs'][:, :1]  # one clip per video
    model(**data, mode='loss')['loss_cls'].backward()
    optimizer.step()
    changed = {
        k
        for k, v in model.state_dict().items()
        if not torch.equal(v, before[k])
    }
    assert changed == {'cls_head.fc_cls.weight', 'cls_head.fc_cls.bias'}


K400 = f'{REPO_ROOT}/configs/cvrl/cvrl_r3d50_16xb64-200e_kinetics400.py'


def build_schedule(cfg, model, epoch_length):
    """The optimiser and the iteration-based schedulers of a config, as the
    Runner builds them for ``epoch_length`` iterations per epoch."""
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers = []
    for scheduler in cfg.param_scheduler:
        args = dict(scheduler)
        cls = PARAM_SCHEDULERS.get(args.pop('type'))
        assert args.pop('by_epoch') and args.pop('convert_to_iter_based')
        schedulers.append(
            cls.build_iter_from_epoch(
                optim_wrapper.optimizer, epoch_length=epoch_length, **args))
    return optim_wrapper, schedulers


def test_learning_rate_follows_the_releases_warmup_and_cosine():
    cfg = Config.fromfile(K400)
    epoch_length = 40  # 5 warm-up epochs = 200 steps of 200 epochs = 8000
    optim_wrapper, schedulers = build_schedule(cfg, torch.nn.Linear(2, 2),
                                               epoch_length)
    optimizer = optim_wrapper.optimizer
    assert type(optimizer) is torch.optim.SGD
    assert optimizer.defaults['momentum'] == 0.9
    assert optimizer.defaults['nesterov'] is False
    warmup, total = 5 * epoch_length, 200 * epoch_length

    def cosine(step):  # the release's CosineDecay, from step 0
        return 0.32 * (1 + math.cos(math.pi * min(step, total) / total)) / 2

    def release(step):  # its LinearWarmup from 0 over that cosine
        return step / warmup * cosine(warmup) if step < warmup else cosine(
            step)

    for step in range(total):
        lr = optimizer.param_groups[0]['lr']
        if step < warmup:
            # MMEngine reaches the full factor one step early, and the
            # chained cosine moves during the warm-up
            assert lr == pytest.approx(
                step / (warmup - 1) * cosine(step), rel=1e-4, abs=1e-6)
            assert lr == pytest.approx(
                release(step), rel=1 / (warmup - 1) + 2e-3, abs=1e-6)
        else:
            assert lr == pytest.approx(release(step), rel=1e-6, abs=1e-12)
        for scheduler in schedulers:
            scheduler.step()
    assert release(total - 1) < 1e-6


def test_weight_decay_falls_on_kernels_only():
    """The release decays variables named 'kernel': convolution and dense
    weights; never BatchNorm (backbone or projection head) nor biases."""
    cfg = Config.fromfile(K400)
    model = small_model()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {}
    for group in optim_wrapper.optimizer.param_groups:
        for param in group['params']:
            decay[param] = group['weight_decay']
    for name, module in model.named_modules():
        for pname, param in module.named_parameters(recurse=False):
            kernel = isinstance(module,
                                (torch.nn.Conv3d, torch.nn.Linear)) \
                and pname == 'weight'
            assert decay[param] == (1e-6 if kernel else 0), (name, pname)
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in model.neck.mlp)


def test_lars_option_exempts_every_batchnorm_and_bias():
    import mmpretrain.engine  # noqa: F401 (registers LARS)
    cfg = Config.fromfile(K400)
    lars = Config.fromfile(
        f'{REPO_ROOT}/configs/_base_/schedules/lars_cosine_200e.py')
    assert lars.param_scheduler == cfg.param_scheduler
    model = small_model()
    optim_wrapper = build_optim_wrapper(model, lars.optim_wrapper)
    assert type(optim_wrapper.optimizer).__name__ == 'LARS'
    exempt = {}
    for group in optim_wrapper.optimizer.param_groups:
        for param in group['params']:
            exempt[param] = (group.get('lars_exclude',
                                       False), group['weight_decay'])
    for name, module in model.named_modules():
        for pname, param in module.named_parameters(recurse=False):
            kernel = isinstance(module,
                                (torch.nn.Conv3d, torch.nn.Linear)) \
                and pname == 'weight'
            expected = (False, 1e-6) if kernel else (True, 0)
            assert exempt[param] == expected, (name, pname)


def test_channels_last_3d_gives_the_same_loss_and_gradients():
    model = small_model().train()
    fast = small_model().train()
    fast.load_state_dict(model.state_dict())
    to_channels_last(fast.backbone)
    fast.channels_last = True
    conv = fast.backbone.conv1.conv.weight
    assert conv.dim() == 5 and conv.is_contiguous(
        memory_format=torch.channels_last_3d)
    data = clips([0, 1, 2])
    losses = []
    for net in (model, fast):
        torch.manual_seed(0)
        batch = net.data_preprocessor(data, training=True)
        loss = net(**batch, mode='loss')['loss_supcon']
        loss.backward()
        losses.append(loss.detach())
    torch.testing.assert_close(losses[1], losses[0], rtol=1e-4, atol=1e-5)
    # summed in another order: close relative to the gradient's scale
    expected = model.backbone.conv1.conv.weight.grad
    torch.testing.assert_close(
        conv.grad.contiguous(),
        expected,
        rtol=0,
        atol=1e-3 * float(expected.abs().max()))
