"""Epoch-wise seeding of data and model randomness, for exact resume."""
import random

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ..datasets.randomness import set_data_epoch


@HOOKS.register_module()
class DataEpochSeedHook(Hook):
    """Make every epoch's random draws a function of ``(seed, epoch)``.

    Before each training epoch (before its data iterator is created):

    - the plugin's random transforms are switched to per-sample seeding
      from ``(seed, epoch, sample index)`` (:mod:`scfa_mm.datasets.
      randomness`): new views every epoch whatever ``num_workers`` and
      ``persistent_workers`` are, and the same views for the same seed;
    - the main process's PyTorch, numpy and Python generators are seeded
      from ``(seed, epoch)``, so model-side randomness (dropout, drop
      path) does not depend on what ran before the epoch.

    A run resumed from the checkpoint of epoch ``e`` therefore replays
    epoch ``e + 1`` exactly as the uninterrupted run did (the seed is
    ``randomness.seed``, or the one MMEngine drew and stored in the
    checkpoint, which resume restores). Data workers must be forked
    (MMEngine's default ``mp_start_method``) to see the epoch; spawned
    workers fall back to per-worker mixing, new every epoch but not
    replayable.

    Args:
        priority (str | int): Hook priority. Defaults to 'VERY_HIGH', ahead
            of other hooks' ``before_train_epoch``.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        seed, epoch = int(runner.seed), int(runner.epoch)
        set_data_epoch(seed, epoch)
        state = np.random.SeedSequence([seed & 0xFFFFFFFF, epoch,
                                        0x5EED]).generate_state(3)
        torch.manual_seed(int(state[0]))
        np.random.seed(state[1])
        random.seed(int(state[2]))
