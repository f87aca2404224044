"""Save a checkpoint and stop when the scheduler asks the job to end."""
import logging
import os.path as osp
import random
import signal
import threading
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_reduce, barrier, is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log

from .resumable_loop import EPOCH_BATCHES_DONE

DATA_BATCH = Optional[Union[dict, tuple, list]]

# What Slurm sends: on preemption or time-out, and with sbatch --signal.
DEFAULT_SIGNALS = ('SIGTERM', 'SIGUSR1')

# Where a mid-epoch checkpoint keeps the main process's random generators.
RNG_STATE_KEY = 'rng_state'


class TrainingPreempted(SystemExit):
    """Raised by every rank once the preemption checkpoint is saved: the
    process exits with ``128 + signal`` (as if the signal had ended it, so
    schedulers and shell wrappers read it as before) and no traceback."""


def rng_state() -> Dict:
    """The main process's random generators (torch CPU and CUDA, numpy,
    Python) as tensors and plain data (weights-only loadable)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        torch=torch.get_rng_state(),
        numpy=[
            kind,
            torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached
        ],
        python=random.getstate())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict) -> None:
    """The inverse of :func:`rng_state`."""
    torch.set_rng_state(state['torch'])
    kind, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), int(pos),
                         int(has_gauss), float(cached)))
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class PreemptionCheckpointHook(Hook):
    """On SIGTERM or SIGUSR1, save a checkpoint at the current iteration
    and stop, on every rank.

    Slurm preempts or ends a job by sending SIGTERM (and SIGKILL a grace
    period later), or, with ``sbatch --signal=USR1@120``, SIGUSR1 a set
    time before; the default action of both is to end the process at
    once, losing everything since the last epoch checkpoint. This hook
    catches them. The signal may reach any rank (or all of them): at the
    end of each training iteration the ranks agree (one all-reduced flag)
    and, if any was signalled, the main process saves
    ``iter_<N>.pth`` (``N`` the iterations done) next to the
    ``CheckpointHook``'s checkpoints and points ``last_checkpoint`` at it;
    every rank then exits with status ``128 + signal number``.

    ``--resume`` (``resume=True``) then continues from that iteration; with
    :class:`~scfa_mm.engine.ResumableEpochBasedTrainLoop` in the middle of
    the epoch, without repeating its first batches, and with the random
    generators restored, so that the weights end as in an uninterrupted run.

    Args:
        signals (Sequence[str]): The signals to catch, by name. Defaults to
            ``('SIGTERM', 'SIGUSR1')``.
    """

    # after the other hooks' after_train_iter (parameter schedulers, the
    # logger, iteration checkpoints): the saved state is the iteration's end
    priority = 'VERY_LOW'

    def __init__(self, signals: Sequence[str] = DEFAULT_SIGNALS) -> None:
        if isinstance(signals, str):
            signals = (signals, )
        unknown = [
            name for name in signals
            if not isinstance(getattr(signal, str(name), None), int)
        ]
        if unknown:
            raise ValueError(
                f'PreemptionCheckpointHook: signals={list(signals)!r} names '
                f'{unknown}, which are not signals here; use names such as '
                "'SIGTERM', 'SIGUSR1', 'SIGUSR2'.")
        self.signals: List[signal.Signals] = [
            signal.Signals(getattr(signal, name)) for name in signals
        ]
        self._received = 0
        self._previous: Dict[int, object] = {}
        self._rng_to_restore: Optional[Dict] = None

    def _handle(self, signum, frame) -> None:
        # only note it: the iteration in progress finishes first
        self._received = signum

    def before_train(self, runner) -> None:
        if threading.current_thread() is not threading.main_thread():
            print_log(
                'PreemptionCheckpointHook: training does not run in the '
                'main thread, where Python handles signals; preemption '
                'signals will not be caught.',
                logger='current',
                level=logging.WARNING)
            return
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._handle)

    def after_train(self, runner) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        # a mid-epoch checkpoint carries the random generators (at an
        # epoch's start DataEpochSeedHook seeds them anew)
        if runner.message_hub.get_info(EPOCH_BATCHES_DONE, 0):
            checkpoint[RNG_STATE_KEY] = rng_state()

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        self._rng_to_restore = checkpoint.get(RNG_STATE_KEY)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        # the first iteration after a mid-epoch resume: the generators as
        # the uninterrupted run had them here
        if self._rng_to_restore is not None:
            if runner.message_hub.get_info(EPOCH_BATCHES_DONE, 0):
                set_rng_state(self._rng_to_restore)
            self._rng_to_restore = None

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        received = torch.tensor(float(self._received))
        all_reduce(received, op='max')
        signum = int(received.item())
        if signum:
            self._save_and_exit(runner, signum)

    def _save_and_exit(self, runner, signum: int) -> None:
        name = signal.Signals(signum).name
        filename = f'iter_{runner.iter + 1}.pth'
        out_dir, backend_args = runner.work_dir, None
        for hook in runner.hooks:
            if isinstance(hook, CheckpointHook) and hook.out_dir:
                out_dir, backend_args = hook.out_dir, hook.backend_args
        batches = len(runner.train_dataloader)
        done = runner.message_hub.get_info(EPOCH_BATCHES_DONE,
                                           (runner.iter + 1) % batches)
        print_log(
            f'{name} received: saving {filename} (epoch {runner.epoch + 1}, '
            f'{done}/{batches} batches done) and stopping.',
            logger='current',
            level=logging.WARNING)
        runner.save_checkpoint(
            out_dir, filename, by_epoch=False, backend_args=backend_args)
        path = osp.join(out_dir, filename)
        if is_main_process():
            with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
                f.write(path)
        # every rank waits for the file: a launcher (torchrun, srun
        # --kill-on-bad-exit) ends the others as soon as one rank exits
        barrier()
        print_log(
            f'Saved {path}. Continue with: tools/train.py <config> --resume '
            '(the same work dir).',
            logger='current',
            level=logging.WARNING)
        raise TrainingPreempted(128 + signum)
