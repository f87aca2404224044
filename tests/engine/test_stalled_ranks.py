"""A stalled rank: the healthy one stops after the timeout, naming it."""
import time
from datetime import timedelta

from scfa_mm.utils.stalled_ranks import report_stalled_ranks
from ..conftest import run_gloo_processes

TIMEOUT_S = 2


def _worker(rank, world_size):
    import torch
    import torch.distributed as torch_dist
    # the run's group, with the collective timeout of env_cfg.dist_cfg
    group = torch_dist.new_group(
        backend='gloo', timeout=timedelta(seconds=TIMEOUT_S))
    start = time.monotonic()
    try:
        with report_stalled_ranks(TIMEOUT_S):
            if rank == 1:
                # stalled (as under SIGSTOP) past both timeouts
                time.sleep(3 * TIMEOUT_S)
                return None
            torch_dist.all_reduce(torch.ones(1), group=group)
    except RuntimeError as error:
        return str(error), time.monotonic() - start
    return 'no error', time.monotonic() - start


def test_the_healthy_rank_names_the_stalled_one(tmp_path):
    results = run_gloo_processes(tmp_path, _worker)
    message, seconds = results[0]
    assert 'rank 0: a collective timed out' in message
    assert 'rank 1 did not arrive' in message
    assert 'env_cfg.dist_cfg.timeout' in message
    # the collective's timeout, then the check's: not the default 30 min
    assert seconds < 4 * TIMEOUT_S
