"""A batch sampler whose batch size counts videos over all processes."""
from mmaction.registry import DATA_SAMPLERS
from mmengine.dist import get_world_size
from mmengine.logging import print_log
from torch.utils.data import BatchSampler, Sampler


@DATA_SAMPLERS.register_module()
class GlobalBatchSampler(BatchSampler):
    """Batches of ``batch_size`` samples *in all*, split evenly over the
    processes of the run.

    A contrastive loss gathered across GPUs sees every process's batch at
    once, so the batch the method is defined with (SCFA: 64 videos in one
    supervised contrastive loss) is the global one. MMEngine's
    ``batch_size`` counts samples per process; with this batch sampler the
    config states the global batch and each of ``N`` processes loads
    ``batch_size / N``, whatever ``N`` the user launches. Gradient
    accumulation could not stand in for it: it does not enlarge the set of
    samples contrasted in one loss.

    Use it in a dataloader config (``batch_size`` is the global batch)::

        train_dataloader = dict(
            batch_size=64,
            batch_sampler=dict(type='GlobalBatchSampler'),
            sampler=dict(type='DefaultSampler', shuffle=True), ...)

    With ``DefaultSampler(round_up=True)`` (its default) every process gets
    as many samples, so all processes' batches have one size, as a gather
    across processes needs. Keep ``auto_scale_lr`` disabled: MMEngine's
    scaling reads ``batch_size`` as a per-process number.

    Args:
        sampler (Sampler): The per-process sampler (MMEngine passes the
            dataloader's ``sampler``).
        batch_size (int): Samples per step over all processes (MMEngine
            passes the dataloader's ``batch_size``). Must be divisible by
            the world size.
        drop_last (bool): Drop each process's last, smaller batch.
            Defaults to False.

    Raises:
        ValueError: ``batch_size`` is not a positive integer or is not a
            multiple of the world size; the message lists the process
            counts that divide it.
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 drop_last: bool = False) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) \
                or batch_size < 1:
            raise ValueError('GlobalBatchSampler: batch_size (the global '
                             'batch, train_dataloader.batch_size) must be '
                             f'an integer >= 1, got {batch_size!r}')
        world_size = get_world_size()
        if batch_size % world_size:
            divisors = [n for n in range(1, batch_size + 1)
                        if batch_size % n == 0]
            raise ValueError(
                f'GlobalBatchSampler: the global batch of {batch_size} '
                f'samples (train_dataloader.batch_size) cannot be split '
                f'evenly over {world_size} processes. Launch a number of '
                f'processes in {divisors}, or change the global batch '
                '(which changes the method: the contrastive loss sees the '
                'whole batch).')
        self.global_batch_size = batch_size
        self.world_size = world_size
        super().__init__(sampler, batch_size // world_size, drop_last)
        print_log(
            f'GlobalBatchSampler: {batch_size} samples per step = '
            f'{world_size} processes x {self.batch_size}',
            logger='current')
