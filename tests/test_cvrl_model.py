"""The CVRL algorithm: its loss, a training step through the Runner, and
the linear evaluation of its encoder."""
import re
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine import Config

from scfa_mm.utils import build_untrained_model
from .conftest import REPO_ROOT
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


def clips(labels, frames=8, size=32):
    generator = torch.Generator().manual_seed(0)
    inputs = [
        torch.randint(
            0,
            256, (2, 3, frames, size, size),
            generator=generator,
            dtype=torch.uint8) for _ in labels
    ]
    samples = [ActionDataSample().set_gt_label(y) for y in labels]
    return dict(inputs=inputs, data_samples=samples)


def test_loss_is_infonce_over_video_ids():
    model = small_model()
    labels = [0, 0, 3, 1]  # equal labels must not make positives
    data = model.data_preprocessor(clips(labels), training=True)
    losses = model(**data, mode='loss')
    with torch.no_grad():
        maps = model.backbone(data['inputs'].flatten(0, 1))
        embeddings = F.normalize(model.neck(maps.mean((2, 3, 4))), dim=1)
    expected = loop_supcon(
        embeddings.double(),
        torch.arange(4).repeat_interleave(2),
        temperature=0.1,
        base_temperature=0.1)
    assert losses['loss_supcon'].item() == pytest.approx(expected, rel=1e-4)
    assert {'loss_cls', 'top1_acc'} <= set(losses)


@pytest.mark.parametrize('kwargs, message', [
    (dict(positives='label'), 'self-supervised'),
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
