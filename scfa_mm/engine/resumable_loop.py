"""An epoch-based training loop that resumes in the middle of an epoch."""
import itertools
import logging
from typing import Iterable, Iterator, List

from mmaction.registry import LOOPS
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

# The message-hub info holding how many batches of the current epoch are
# done. It travels in every checkpoint (the message hub is saved), so a
# checkpoint written in the middle of an epoch says where to continue.
EPOCH_BATCHES_DONE = 'epoch_batches_done'


class _SkipFirstBatches:
    """A batch sampler without its first ``skip`` batches: the skipped
    batches are only index lists, nothing is loaded for them."""

    def __init__(self, batch_sampler: Iterable[List[int]], skip: int) -> None:
        self.batch_sampler = batch_sampler
        self.skip = skip

    def __iter__(self) -> Iterator[List[int]]:
        return itertools.islice(iter(self.batch_sampler), self.skip, None)

    def __len__(self) -> int:
        return max(len(self.batch_sampler) - self.skip, 0)  # type: ignore


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """MMEngine's :class:`EpochBasedTrainLoop` that can resume mid-epoch.

    MMEngine's loop resumes at the start of the checkpoint's epoch: from a
    checkpoint saved in the middle of an epoch (on preemption, by
    :class:`~scfa_mm.engine.PreemptionCheckpointHook`, or an iteration
    interval of ``CheckpointHook``) it trains the epoch's first batches a
    second time. This loop records in the message hub (saved in every
    checkpoint) how many batches of the epoch are done, and after a resume
    starts the epoch at the next batch: the first batches are dropped from
    the batch sampler, so their data is not even loaded.

    The continuation is exact when the sampler's order is a function of
    ``(seed, epoch)`` (MMEngine's ``DefaultSampler`` and the plugin's
    samplers) and each sample's random draws a function of
    ``(seed, epoch, sample)`` (:class:`~scfa_mm.engine.DataEpochSeedHook`).

    Set it with ``train_cfg = dict(type='ResumableEpochBasedTrainLoop',
    ...)``; the arguments are :class:`EpochBasedTrainLoop`'s.
    """

    def run_epoch(self) -> None:
        """Train one epoch, from the first batch not done yet."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        done = self._batches_done()
        for idx, data_batch in enumerate(self._batches(done), start=done):
            # before the iteration's hooks: a checkpoint saved by one of
            # its after_train_iter hooks counts this batch as done
            self.runner.message_hub.update_info(EPOCH_BATCHES_DONE, idx + 1)
            self.run_iter(idx, data_batch)
        # the checkpoint of the epoch's end starts the next epoch afresh
        self.runner.message_hub.update_info(EPOCH_BATCHES_DONE, 0)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _batches_done(self) -> int:
        """The batches of this epoch that a resumed checkpoint had done
        (0 at the start of an epoch), checked against the iteration count
        that MMEngine restored."""
        done = int(self.runner.message_hub.get_info(EPOCH_BATCHES_DONE, 0))
        if done == 0:
            return 0
        expected = self._iter - self._epoch * len(self.dataloader)
        if done != expected or not 0 < done <= len(self.dataloader):
            # e.g. resumed with another batch size or number of GPUs: the
            # batches done cannot be told apart, redo the whole epoch
            print_log(
                f'The checkpoint was saved after {done} batches of epoch '
                f'{self._epoch + 1}, but iteration {self._iter} with '
                f'{len(self.dataloader)} batches per epoch does not match: '
                f'epoch {self._epoch + 1} starts again from its first batch.',
                logger='current',
                level=logging.WARNING)
            self._iter = self._epoch * len(self.dataloader)
            return 0
        print_log(
            f'Resuming epoch {self._epoch + 1} at batch {done + 1}/'
            f'{len(self.dataloader)}: skipping the {done} batches done.',
            logger='current')
        return done

    def _batches(self, skip: int) -> Iterator:
        """The data loader's batches from batch ``skip`` on."""
        loader = self.dataloader
        if skip == 0:
            return iter(loader)
        if loader.batch_sampler is None:
            # no batch sampler to cut (batch_size=None): load and drop
            return itertools.islice(iter(loader), skip, None)
        batch_sampler = loader.batch_sampler
        # DataLoader forbids setting batch_sampler once built; its
        # iterator draws this epoch's indices from it while being made, so
        # swap it for that moment. The iterator keeps a reference for the
        # next epochs (persistent workers): give it the whole sampler back.
        object.__setattr__(loader, 'batch_sampler',
                           _SkipFirstBatches(batch_sampler, skip))
        try:
            batches = iter(loader)
        finally:
            object.__setattr__(loader, 'batch_sampler', batch_sampler)
        batches._index_sampler = batch_sampler
        return batches
