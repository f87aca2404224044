"""GlobalBatchSampler: the configs' batch counts videos over all processes."""
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from scfa_mm.datasets import samplers
from ..conftest import REPO_ROOT, run_gloo_processes

NUM_SAMPLES = 200


def hmdb51_train_loader_cfg(num_samples=NUM_SAMPLES):
    """The real config's train dataloader over ``range(num_samples)``."""
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/scfa_hmdb51.py')
    loader = cfg.train_dataloader.to_dict()
    loader.update(
        dataset=list(range(num_samples)),
        num_workers=0,
        persistent_workers=False,
        pin_memory=False)
    loader['sampler']['shuffle'] = False
    return loader


def _worker(rank, world_size):
    init_default_scope('mmaction')
    import scfa_mm  # noqa: F401
    loader = Runner.build_dataloader(hmdb51_train_loader_cfg())
    return [list(map(int, batch)) for batch in loader]


def test_two_processes_share_the_global_batch(tmp_path):
    batches = run_gloo_processes(tmp_path, _worker)
    # 64 videos per step over 2 processes: 32 each; 100 samples a process
    # (200 / 2) make 3 full steps and a last one of 4.
    for rank in (0, 1):
        assert [len(batch) for batch in batches[rank]] == [32, 32, 32, 4]
    steps = list(zip(batches[0], batches[1]))
    for first, second in steps:
        assert not set(first) & set(second)
    assert sorted(i for step in steps for b in step for i in b) == list(
        range(NUM_SAMPLES))


def test_one_process_loads_the_whole_batch():
    loader = Runner.build_dataloader(hmdb51_train_loader_cfg())
    assert [len(batch) for batch in loader] == [64, 64, 64, 8]


def test_indivisible_world_size_names_the_allowed_counts(monkeypatch):
    monkeypatch.setattr(samplers, 'get_world_size', lambda: 3)
    with pytest.raises(ValueError) as error:
        Runner.build_dataloader(hmdb51_train_loader_cfg())
    message = str(error.value)
    assert 'train_dataloader.batch_size' in message
    assert '3 processes' in message
    assert '[1, 2, 4, 8, 16, 32, 64]' in message


def test_bad_batch_size():
    with pytest.raises(ValueError, match='integer >= 1'):
        samplers.GlobalBatchSampler(range(4), batch_size=0)
