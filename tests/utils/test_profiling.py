"""Step times, GPU samples and the quiet logger of scfa_mm.utils.profiling
(what tools/analysis/gpu_acceptance.py measures with)."""
import logging

import pytest
from mmengine.logging import MMLogger

from scfa_mm.utils import profiling
from scfa_mm.utils.profiling import (GpuSampler, StepTimer, peak_memory_gib,
                                     quiet_logger)


def test_step_timer_on_the_cpu_gives_the_gaps_between_marks(monkeypatch):
    clock = iter([10.0, 10.25, 10.75, 11.0])
    monkeypatch.setattr(profiling.time, 'perf_counter', lambda: next(clock))
    timer = StepTimer('cpu')
    for _ in range(4):
        timer.mark()
    assert timer.milliseconds() == pytest.approx([250.0, 500.0, 250.0])
    assert peak_memory_gib('cpu') is None


def test_gpu_sampler_summary_skips_lines_that_are_no_sample():
    sampler = GpuSampler()
    assert sampler.summary() is None
    for line in ('30, 1000', '[N/A], 5', '90, 3000\n', 'garbage', '60, 2000'):
        sampler.add(line)
    assert sampler.samples == [(30.0, 1000.0), (90.0, 3000.0), (60.0, 2000.0)]
    assert sampler.summary() == dict(
        samples=3,
        utilisation_mean=60.0,
        utilisation_median=60.0,
        memory_used_mib_max=3000.0)


def test_quiet_logger_restores_the_level():
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        with quiet_logger():
            assert logger.level == logging.WARNING
        assert logger.level == logging.INFO
    finally:
        logger.setLevel(level)
