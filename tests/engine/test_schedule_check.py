"""Schedules follow a ``train_cfg.max_epochs`` override, or refuse."""
import math
import os

import pytest
import torch
from mmengine import Config
from mmengine.optim.scheduler import CosineAnnealingLR

from scfa_mm.utils.schedule_check import fit_schedule_to_max_epochs
from ..conftest import REPO_ROOT


def schedule(name, max_epochs):
    cfg = Config.fromfile(
        os.path.join(REPO_ROOT, 'configs', '_base_', 'schedules', name))
    cfg.merge_from_dict({'train_cfg.max_epochs': max_epochs})
    return cfg


def test_cosine_follows_a_longer_run():
    cfg = schedule('adam_cosine_100e.py', 200)
    fit_schedule_to_max_epochs(cfg)
    (cosine, ) = cfg.param_scheduler
    assert (cosine.end, cosine.T_max) == (200, 200)
    # MMEngine's scheduler on the fitted config against the closed form:
    # half the rate at epoch 100, not its old final value
    optimizer = torch.optim.Adam([torch.zeros(1)], lr=1e-4)
    scheduler = CosineAnnealingLR(
        optimizer, **{
            k: v
            for k, v in cosine.items() if k != 'type'
        })
    rates = []
    for _ in range(200):
        rates.append(optimizer.param_groups[0]['lr'])
        scheduler.step()
    for epoch in (0, 50, 100, 150, 199):
        expected = 1e-4 * (1 + math.cos(math.pi * epoch / 200)) / 2
        assert rates[epoch] == pytest.approx(expected, rel=1e-6, abs=1e-12)
    assert rates[150] > 1e-5  # the old schedule: 0 from epoch 100 on


@pytest.mark.parametrize(
    'name, max_epochs, expected',
    [
        # warm-up kept, cosine stretched
        ('sgd_warmup_cosine_200e.py', 300, [(0, 5, None), (0, 300, 300)]),
        ('lars_cosine_200e.py', 100, [(0, 5, None), (0, 100, 100)]),
        # cosines that start late or over-run their end keep that offset
        ('vivit_sgd_cosine_30e.py', 60, [(0, 2.5, None), (2.5, 60, 57.5)]),
        ('adam_cosine_300e_carl.py', 150, [(0, 150, 151)]),
    ])
def test_real_schedules(name, max_epochs, expected):
    cfg = schedule(name, max_epochs)
    changes = fit_schedule_to_max_epochs(cfg)
    assert [(s.get('begin', 0), s.end, s.get('T_max'))
            for s in cfg.param_scheduler] == expected
    assert changes and all('param_scheduler[' in c for c in changes)
    # unchanged when they agree
    assert fit_schedule_to_max_epochs(cfg) == []


def test_a_run_too_short_for_the_warm_up_is_refused():
    cfg = schedule('sgd_warmup_cosine_200e.py', 4)
    with pytest.raises(ValueError) as error:
        fit_schedule_to_max_epochs(cfg)
    for part in ('train_cfg.max_epochs = 4', 'param_scheduler[0].end = 5',
                 'T_max'):
        assert part in str(error.value)
