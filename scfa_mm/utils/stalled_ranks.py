"""Name the rank that stalled when a collective times out.

A stalled rank (stopped, hung in I/O, stuck in a dead data worker) leaves
the others blocked in their next collective. With a timeout on the process
group (``env_cfg.dist_cfg.timeout``, seconds, which MMEngine passes to
``init_process_group``; :data:`DEFAULT_COLLECTIVE_TIMEOUT_S` in the
plugin's ``default_runtime.py``) the collective fails instead, but its
error does not say who is missing. :func:`report_stalled_ranks` catches
that error and asks, through ``torch.distributed.monitored_barrier`` on a
gloo group of its own (also beside NCCL), which ranks do not arrive; the
healthy ranks then stop with a message that names them.
"""
import re
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator, List, Optional

import torch.distributed as torch_dist

# Long enough for a slow checkpoint save or evaluation on rank 0 while the
# others wait; short enough that a stalled job does not hold its GPUs for
# the 30 minutes of PyTorch's default.
DEFAULT_COLLECTIVE_TIMEOUT_S = 300


def _is_timeout(error: BaseException) -> bool:
    text = str(error).lower()
    return 'timed out' in text or 'timeout' in text


def _missing_ranks(text: str) -> List[int]:
    """The ranks a ``monitored_barrier`` error names as not arrived."""
    found = re.search(r'Ranks? ([\d, ]+) failed to pass', text)
    if found is None:
        found = re.search(r'from rank (\d+)', text)
    if found is None:
        return []
    return [int(r) for r in re.findall(r'\d+', found.group(1))]


@contextmanager
def report_stalled_ranks(timeout_s: Optional[float] = None) -> Iterator:
    """Run the block; when a collective in it times out, find the ranks
    that did not arrive and raise an error that names them.

    Call it on every rank after the process group exists (it creates a
    gloo group, a collective). Does nothing outside a group of several
    ranks.

    Args:
        timeout_s (float, optional): How long to wait for the ranks in the
            check, in seconds. Defaults to
            :data:`DEFAULT_COLLECTIVE_TIMEOUT_S`.

    Raises:
        RuntimeError: "rank R: a collective timed out ...; rank(s) M did
            not arrive", chained to the backend's error.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()
            and torch_dist.get_world_size() > 1):
        yield
        return
    timeout = timedelta(seconds=DEFAULT_COLLECTIVE_TIMEOUT_S if timeout_s is
                        None else timeout_s)
    # its own group: the failed one may be unusable after a timeout
    group = torch_dist.new_group(backend='gloo', timeout=timeout)
    try:
        yield
    except RuntimeError as error:
        if not _is_timeout(error):
            raise
        rank = torch_dist.get_rank()
        try:
            torch_dist.monitored_barrier(
                group=group, timeout=timeout, wait_all_ranks=True)
            missing = []
        except RuntimeError as check:
            missing = _missing_ranks(str(check))
        who = (f'rank {", ".join(map(str, missing))} did not arrive'
               if missing else 'every rank arrived at the check afterwards '
               '(a slow rank, not a stalled one)')
        raise RuntimeError(
            f'rank {rank}: a collective timed out (env_cfg.dist_cfg.timeout '
            f'sets how long ranks wait for each other); {who} within '
            f'{timeout.total_seconds():g} s. Stopping this rank. The error '
            f'of the collective: {str(error)[:300]}') from error
