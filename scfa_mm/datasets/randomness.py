"""Random draws of the data pipeline: new every epoch, the same for the
same seed.

MMEngine seeds every data worker with ``seed + rank * num_workers +
worker_id``, without the epoch. Workers that are not persistent are started
again every epoch with the same seeds, so every random transform repeats
its draws epoch after epoch; persistent workers do not repeat, but their
streams cannot be restored on resume. The plugin's random transforms call
:func:`seed_sample` first, which works in two modes:

- **Per sample** (when :class:`~scfa_mm.engine.DataEpochSeedHook` runs, as
  in every config of this project): numpy's and Python's global generators
  are seeded from ``(seed, epoch, sample index)`` before the sample's first
  random transform, so every draw of the sample (the plugin's and stock
  MMAction2 transforms after it alike) is a function of those three
  numbers: new every epoch, independent of ``num_workers`` and of worker
  persistence, and replayed exactly after a resume.
- **Per worker** (a stock config without the hook): once per data-loader
  iterator, a worker mixes PyTorch's per-iterator worker seed into its
  generators. That seed is drawn afresh for every epoch's iterator from the
  main process's seeded generator, so views change every epoch and still
  follow from the seed.
"""
import random
from typing import Dict, Optional

import numpy as np
import torch
from torch.utils.data import get_worker_info

# (seed, epoch, active) shared with the data workers. Created in the main
# process before the workers start, so forked workers see its updates.
_epoch_state: Optional[torch.Tensor] = None
_mixed_worker_seed: Optional[int] = None

SEEDED_KEY = 'sample_rng_seeded'


def set_data_epoch(seed: int, epoch: int) -> None:
    """Make the random draws of every later sample a function of
    ``(seed, epoch, sample index)``; called before an epoch's data
    iterator is created."""
    global _epoch_state
    if _epoch_state is None:
        _epoch_state = torch.zeros(3, dtype=torch.int64).share_memory_()
    _epoch_state[0] = seed
    _epoch_state[1] = epoch
    _epoch_state[2] = 1


def _seed_global_generators(entropy) -> None:
    state = np.random.SeedSequence(entropy).generate_state(2)
    np.random.seed(state[0])
    random.seed(int(state[1]))


def seed_sample(results: Dict) -> None:
    """Seed the global generators for this sample, once per sample (see the
    module docstring). Call it first in every random transform."""
    global _mixed_worker_seed
    if results.get(SEEDED_KEY):
        return
    state = _epoch_state
    if state is not None and bool(state[2]) and 'sample_idx' in results:
        results[SEEDED_KEY] = True
        seed, epoch = int(state[0]), int(state[1])
        _seed_global_generators(
            [seed & 0xFFFFFFFF, epoch,
             int(results['sample_idx'])])
        return
    worker = get_worker_info()
    if worker is not None and worker.seed != _mixed_worker_seed:
        _mixed_worker_seed = worker.seed
        _seed_global_generators(
            [worker.seed & 0xFFFFFFFFFFFFFFFF,
             np.random.randint(2**31)])
