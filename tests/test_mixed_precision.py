"""Training steps under bfloat16 autocast (CPU), predictions and metrics on
their outputs, and the device-side accuracy."""
import argparse
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmaction.evaluation import AccMetric, top_k_accuracy
from mmaction.registry import MODELS, OPTIM_WRAPPERS
from mmaction.structures import ActionDataSample
from mmengine import Config
from torch import nn

from scfa_mm.evaluation import EmbeddingRetrievalMetric
from scfa_mm.utils import build_untrained_model
from .conftest import REPO_ROOT, load_tool
from .models.test_cvrl_model import clips as clip_batch
from .models.test_scfa import batch, build_model

TINY_VIVIT = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ViViT',
        arch=dict(
            embed_dims=48,
            num_layers=1,
            num_heads=3,
            feedforward_channels=96,
            temporal_layers=1),
        num_frames=4,
        img_size=16,
        tubelet_size=(2, 8, 8)),
    cls_head=dict(type='ViViTHead', num_classes=3, in_channels=48),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[128.] * 3,
        std=[64.] * 3,
        format_shape='NCTHW'))


def bf16_wrapper(model):
    return OPTIM_WRAPPERS.build(
        dict(
            type='BFloat16OptimWrapper',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.01)))


def clips(labels):
    """One 4-frame 16x16 clip per video: the tiny ViViT's input."""
    return clip_batch(labels, frames=4, size=16, views=1)


def train_step_in_bf16(model, data):
    """One step through the optimiser wrapper; returns the logged values
    and the dtypes the linear layers computed in."""
    dtypes = set()
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            module.register_forward_hook(
                lambda m, args, out: dtypes.add(out.dtype))
    before = [p.detach().clone() for p in model.parameters()]
    log_vars = model.train_step(data, bf16_wrapper(model))
    changed = [
        not torch.equal(a, p) for a, p in zip(before, model.parameters())
    ]
    assert any(changed)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    return log_vars, dtypes


@pytest.mark.parametrize('positives', ['label', 'video'])
def test_scfa_trains_a_step_in_bf16(positives):
    model = build_model(positives=positives)
    log_vars, dtypes = train_step_in_bf16(model, batch([0, 1, 2, 1]))
    assert torch.bfloat16 in dtypes
    for key in ('loss', 'loss_supcon', 'loss_cls', 'top1_acc'):
        assert np.isfinite(log_vars[key].item()), key


def test_vivit_trains_a_step_in_bf16():
    model = MODELS.build(TINY_VIVIT)
    model.init_weights()
    log_vars, dtypes = train_step_in_bf16(model, clips([0, 1, 2]))
    assert torch.bfloat16 in dtypes
    assert np.isfinite(log_vars['loss_cls'].item())


def test_stock_head_fails_in_bf16():
    """What ViViTHead fixes: MMAction2's head computes its accuracy in
    numpy, which has no bfloat16."""
    cfg = dict(TINY_VIVIT, cls_head=dict(TINY_VIVIT['cls_head']))
    cfg['cls_head']['type'] = 'TimeSformerHead'
    model = MODELS.build(cfg)
    with pytest.raises(TypeError, match='BFloat16'):
        model.train_step(clips([0, 1]), bf16_wrapper(model))


def test_predictions_under_autocast_feed_the_metrics():
    model = build_model().eval()
    data = model.data_preprocessor(batch([0, 1, 2]))
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
        predictions = model(**data, mode='predict')
    assert predictions[0].pred_score.dtype == torch.float32
    assert predictions[0].embedding.dtype == torch.float32
    samples = [p.to_dict() for p in predictions]
    for metric in (AccMetric(), EmbeddingRetrievalMetric(topk=(1, ))):
        metric.process(None, samples)
        assert metric.compute_metrics(metric.results)


@pytest.mark.parametrize('num_classes, topk', [(5, (1, )), (5, (1, 3)),
                                               (3, (1, 5))])
def test_device_accuracy_equals_mmaction_numpy_accuracy(num_classes, topk):
    head = MODELS.build(
        dict(
            type='LinearProbeHead',
            num_classes=num_classes,
            in_channels=4,
            topk=topk))
    generator = torch.Generator().manual_seed(1)
    scores = torch.randn(64, num_classes, generator=generator)
    labels = torch.randint(0, num_classes, (64, ), generator=generator)
    samples = [ActionDataSample().set_gt_label(int(y)) for y in labels]
    losses = head.loss_by_feat(scores, samples)
    expected = top_k_accuracy(scores.numpy(), labels.numpy(), topk)
    for k, accuracy in zip(topk, expected):
        assert losses[f'top{k}_acc'].item() == pytest.approx(accuracy)
    assert losses['loss_cls'].item() == pytest.approx(
        torch.nn.functional.cross_entropy(scores, labels).item(), rel=1e-6)


def test_amp_without_gpu_fails_with_one_sentence():
    if torch.cuda.is_available():
        pytest.skip('this check is for machines without a GPU')
    done = subprocess.run([
        sys.executable, 'tools/train.py', 'configs/scfa/scfa_r18_synthetic.py',
        '--amp'
    ],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        '--amp trains in mixed precision on a CUDA GPU, and this machine '
        'has none: run without --amp.')


def test_cvrl_trains_a_step_in_bf16():
    from .models.test_cvrl_model import small_model
    model = small_model()
    log_vars, dtypes = train_step_in_bf16(model, clip_batch([0, 1, 2]))
    assert torch.bfloat16 in dtypes
    for key in ('loss_supcon', 'loss_cls'):
        assert np.isfinite(log_vars[key].item()), key


def test_metrics_take_bfloat16_predictions():
    from scfa_mm.evaluation import KNNAccuracyMetric, ReversedPairMetric
    generator = torch.Generator().manual_seed(2)
    samples = [
        dict(
            embedding=torch.randn(8, generator=generator).bfloat16(),
            pred_score=torch.rand(4, generator=generator).bfloat16(),
            gt_label=torch.tensor([label])) for label in (0, 1, 2, 3) * 3
    ]
    for metric in (EmbeddingRetrievalMetric(topk=(1, )),
                   KNNAccuracyMetric(k=3),
                   ReversedPairMetric(pairs=[(0, 1), (2, 3)])):
        metric.process(None, samples)
        assert all(
            0 <= value <= 1
            for value in metric.compute_metrics(metric.results).values())


def _train_tool():
    return load_tool('tools/train.py')


@pytest.mark.parametrize('config, channels_last', [
    ('configs/scfa/scfa_r18_synthetic.py', True),
    ('configs/cvrl/cvrl_r3d18-small_synthetic.py', True),
    ('configs/carl/carl_r18-small_synthetic.py', None),
    ('configs/vivit/vivit_tiny-fe_synthetic.py', None),
    ('configs/tsn/tsn_r18_synthetic.py', None),
])
def test_amp_runs_the_plugins_models_channels_last(monkeypatch, config,
                                                   channels_last):
    # --amp on a GPU with bfloat16, without one: the config as merged
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: True)
    tool = _train_tool()
    args = argparse.Namespace(
        no_validate=False,
        vis_backends=None,
        skip_unreadable=None,
        amp=True,
        resume=None,
        auto_scale_lr=False,
        seed=None,
        deterministic=False)
    cfg = tool.merge_args(Config.fromfile(osp.join(REPO_ROOT, config)), args)
    assert cfg.optim_wrapper.type == 'BFloat16OptimWrapper'
    assert cfg.model.get('channels_last') is channels_last
    # the merged config builds (CARL, ViViT and TSN have no such option)
    model = build_untrained_model(cfg.model)
    convs = [
        m for m in model.backbone.modules()
        if isinstance(m, (nn.Conv2d, nn.Conv3d))
    ]
    fmt = {4: torch.channels_last, 5: torch.channels_last_3d}
    weight = convs[0].weight
    assert weight.is_contiguous(
        memory_format=fmt[weight.dim()]) is bool(channels_last)


def test_amp_keeps_a_channels_last_the_config_sets(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: True)
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/scfa/scfa_r18_synthetic.py'))
    cfg.model.channels_last = False
    assert not _train_tool().enable_channels_last(cfg.model)
    assert cfg.model.channels_last is False
