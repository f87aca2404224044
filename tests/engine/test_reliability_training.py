"""Runs that end early: killed, preempted (SIGTERM, SIGUSR1) or diverging,
on the tiny SCFA config (through tools/train.py, or in this process)."""
import io
import os
import random
import re
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmaction.registry import RUNNERS
from mmengine import Config

from scfa_mm.engine import (NonFiniteLossError, NonFiniteLossHook,
                            PreemptionCheckpointHook)
from scfa_mm.engine.non_finite_loss_hook import non_finite_tensors
from scfa_mm.engine.preemption_hook import rng_state, set_rng_state
from ..conftest import REPO_ROOT
from .. import test_training
from ..test_training import CONFIG, max_weight_difference, run_tool

tiny_data = test_training.tiny_data  # the fixture, for this module too

# 8 videos in batches of 4: 2 iterations per epoch.
RESUME_OPTIONS = [
    'train_dataloader.num_workers=2',
    'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=4',
    'train_cfg.val_interval=10', 'default_hooks.checkpoint.interval=1',
    'randomness.seed=7'
]


def train_command(config, work_dir, options, *extra):
    return [
        sys.executable, 'tools/train.py',
        str(config), '--work-dir',
        str(work_dir), *extra, '--cfg-options', *options
    ]


def start_training(command):
    """The training process, its output lines readable as they come."""
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONPATH=REPO_ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)


@pytest.fixture(scope='module')
def uninterrupted(tiny_data, tmp_path_factory):
    """The work dir of a 4-epoch run of the stock tiny config, to compare
    the interrupted runs with."""
    _, data_options = tiny_data
    work_dir = tmp_path_factory.mktemp('whole')
    run_tool(
        train_command(CONFIG, work_dir, data_options + RESUME_OPTIONS),
        REPO_ROOT)
    return work_dir


def read_until(process, pattern, signum):
    """The process's output until a line matches ``pattern``; then it is
    sent ``signum`` and the rest is read too."""
    output = []
    for line in process.stdout:
        output.append(line)
        if re.search(pattern, line):
            process.send_signal(signum)
            output.append(process.stdout.read())
            break
    process.wait(timeout=60)
    return ''.join(output)


@pytest.fixture(scope='module')
def killed_then_preempted(tiny_data, uninterrupted, tmp_path_factory):
    """One work dir through two interruptions, each checked by a test:

    1. the tiny config (the default runtime's loop and hooks), killed with
       SIGKILL once ``[3][1/2]`` is logged (epoch 3 in progress, its
       checkpoint not saved);
    2. resumed (``--resume``: from ``epoch_2.pth``) and sent SIGTERM as it
       saves ``epoch_3.pth``: the next iteration's end, where the signal is
       acted on, is epoch 4's first unless the machine is very slow.

    Returns the work dir, the killed run's exit status, the resumed run's
    exit status and output, and the config and options to resume with.
    """
    _, data_options = tiny_data
    options = data_options + RESUME_OPTIONS
    work_dir = tmp_path_factory.mktemp('interrupted')
    killed = start_training(train_command(CONFIG, work_dir, options))
    read_until(killed, r'Epoch\(train\)\s+\[3\]\[1/2\]', signal.SIGKILL)
    assert not (work_dir / 'epoch_3.pth').exists()

    # the shipped runtime: CheckedRunner's resumable loop, the hooks of
    # configs/_base_/default_runtime.py
    config = CONFIG
    preempted = start_training(
        train_command(config, work_dir, options, '--resume'))
    output = read_until(preempted, 'Saving checkpoint at 3 epochs',
                        signal.SIGTERM)
    return (work_dir, killed.returncode, preempted.returncode, output, config,
            options)


def test_sigkill_and_resume_end_with_the_same_weights(killed_then_preempted,
                                                      uninterrupted):
    """A run killed with SIGKILL in the middle of epoch 3 and resumed
    (2 non-persistent workers) reaches the end of epoch 3 with the weights
    of the uninterrupted run."""
    work_dir, killed, _, output, _, _ = killed_then_preempted
    assert killed == -signal.SIGKILL
    assert 'resumed epoch: 2, iter: 4' in output
    difference = max_weight_difference(uninterrupted / 'epoch_3.pth',
                                       work_dir / 'epoch_3.pth')
    assert difference <= 1e-6


def test_sigterm_saves_the_iteration_and_resume_ends_with_the_same_weights(
        killed_then_preempted, uninterrupted):
    """SIGTERM during epoch 4: the run finishes the iteration in progress,
    saves it as iter_<N>.pth, points last_checkpoint at it and exits by
    itself with 128 + 15; --resume continues from the next batch (none of
    epoch 4's done batches again) and ends with the weights of the
    uninterrupted run."""
    work_dir, _, returncode, output, config, options = killed_then_preempted
    assert returncode == 128 + signal.SIGTERM, output[-3000:]
    saved = re.search(
        r'SIGTERM received: saving iter_(\d+)\.pth '
        r'\(epoch 4, (\d)/2 batches done\)', output)
    assert saved, output[-3000:]
    iterations, done = int(saved.group(1)), int(saved.group(2))
    assert done in (1, 2) and iterations == 6 + done
    assert not (work_dir / 'epoch_4.pth').exists()
    path = work_dir / f'iter_{iterations}.pth'
    assert (work_dir / 'last_checkpoint').read_text() == str(path)
    checkpoint = torch.load(path, map_location='cpu')  # weights only
    assert checkpoint['meta']['epoch'] == 3  # epochs completed
    assert checkpoint['meta']['iter'] == iterations
    assert checkpoint['message_hub']['runtime_info'][
        'epoch_batches_done'] == done

    output = run_tool(
        train_command(config, work_dir, options, '--resume'), REPO_ROOT)
    assert f'resumed epoch: 3, iter: {iterations}' in output
    assert (f'Resuming epoch 4 at batch {done + 1}/2: skipping the {done} '
            'batches done') in output
    trained = re.findall(r'Epoch\(train\)\s+\[(\d)\]\[(\d)/2\]', output)
    assert trained == ([('4', '2')] if done == 1 else [])
    difference = max_weight_difference(uninterrupted / 'epoch_4.pth',
                                       work_dir / 'epoch_4.pth')
    assert difference <= 1e-6


DIVERGING_CONFIG = f'''
_base_ = '{CONFIG}'
# a good first epoch, then a learning rate of 1e32: NaN within 2 steps
param_scheduler = [
    dict(type='MultiStepLR', milestones=[1], gamma=1e35, by_epoch=True)
]
train_cfg = dict(max_epochs=3, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1, save_best='auto'))
custom_hooks = [
    dict(type='DataEpochSeedHook'),
    dict(type='PortableCheckpointHook'),
    dict(type='NonFiniteLossHook', **non_finite)
]
'''


def diverge(tmp_path, data_options, name, **non_finite):
    """Train :data:`DIVERGING_CONFIG` here, in this process, with these
    ``NonFiniteLossHook`` arguments; the training must end with a
    ``NonFiniteLossError``. Returns its message, the run's log and the
    names of the checkpoints saved."""
    config = tmp_path / f'{name}.py'  # the name of the run's logger
    config.write_text(f'non_finite = {non_finite!r}\n' + DIVERGING_CONFIG)
    cfg = Config.fromfile(str(config))
    cfg.merge_from_dict(dict(option.split('=', 1) for option in data_options))
    cfg.work_dir = str(tmp_path / name)
    runner = RUNNERS.build(cfg)
    with pytest.raises(NonFiniteLossError) as error:
        runner.train()
    with open(os.path.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        log = f.read()
    saved = sorted(path.name for path in (tmp_path / name).glob('*.pth'))
    for path in saved:
        state_dict = torch.load(tmp_path / name / path)['state_dict']
        assert not non_finite_tensors(state_dict), path
    return str(error.value), log, saved


def test_divergence_stops_before_saving_non_finite_weights(
        tiny_data, tmp_path):
    """A learning rate of 1e32 from epoch 2: the run stops at the first
    NaN loss (iteration 4), naming it and the loss terms; the epoch-1
    checkpoints, the best one among them, are all there is, and finite.
    (Without the hook: exit 0, and NaN in the epoch-2 and -3 checkpoints.)
    """
    _, data_options = tiny_data
    message, _, saved = diverge(tmp_path, data_options, 'stop')
    assert message.startswith('Training diverged: loss and gradient norm '
                              '(nan) not finite at iteration 4 (epoch 2, '
                              'batch 2/2)')
    assert re.search(r'loss=nan, loss_supcon=nan, .*loss_cls=nan', message)
    assert saved == ['best_acc_top1_epoch_1.pth', 'epoch_1.pth']


def test_divergence_skip_option_skips_then_stops_past_its_bound(
        tiny_data, tmp_path):
    """on_non_finite='skip' with max_skipped_steps=1: iteration 4 is
    skipped with a warning and training goes on; iteration 5, the second
    skip, stops the run. The epoch-2 checkpoint, saved after the skipped
    step, is finite (weights and normalization statistics)."""
    _, data_options = tiny_data
    message, log, saved = diverge(
        tmp_path,
        data_options,
        'skip',
        on_non_finite='skip',
        max_skipped_steps=1)
    skipped = re.findall(
        r'Non-finite training at iteration (\d+) .*'
        r'step skipped \((\d) of at most 1\)', log)
    assert skipped == [('4', '1')]
    assert re.match(
        r'Training diverged: .* at iteration 5 .*skipped step number 2, '
        r'more than NonFiniteLossHook.max_skipped_steps=1', message)
    assert saved == ['best_acc_top1_epoch_1.pth', 'epoch_1.pth', 'epoch_2.pth']


def test_hook_arguments_are_checked():
    with pytest.raises(ValueError,
                       match=r"on_non_finite must be one of .*'stop'.*"
                       r"got 'ignore'"):
        NonFiniteLossHook(on_non_finite='ignore')
    with pytest.raises(
            ValueError,
            match=r'max_skipped_steps must be an integer >= 0, got -1'):
        NonFiniteLossHook(max_skipped_steps=-1)
    with pytest.raises(ValueError, match=r"\['SIGFOO'\].*'SIGUSR1'"):
        PreemptionCheckpointHook(signals=('SIGTERM', 'SIGFOO'))


def test_sigusr1_is_caught_like_sigterm_and_handlers_are_restored():
    """Slurm's --signal=USR1@T: noted at once, acted on at the next
    iteration's end; the previous handlers come back after training."""
    hook = PreemptionCheckpointHook()
    previous = signal.getsignal(signal.SIGUSR1)
    hook.before_train(runner=None)
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        assert hook._received == signal.SIGUSR1
    finally:
        hook.after_train(runner=None)
    assert signal.getsignal(signal.SIGUSR1) is previous
    assert signal.getsignal(signal.SIGTERM) is not hook._handle


def test_slurm_train_help_gives_the_requeue_recipe():
    done = subprocess.run(['bash', 'tools/slurm_train.sh', '--help'],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True)
    assert done.returncode == 0
    assert '#SBATCH --signal=USR1@' in done.stdout
    assert '#SBATCH --requeue' in done.stdout
    # the status it tells users to requeue on is the one the hook exits with
    status = re.search(r'"\$status" -eq (\d+)', done.stdout).group(1)
    assert int(status) == 128 + signal.SIGUSR1
    assert f'({128 + signal.SIGTERM} for SIGTERM' in done.stdout


def test_rng_state_round_trip_replays_every_generator():
    """What a mid-epoch checkpoint keeps of the generators brings back
    the same draws (torch, numpy, Python), through weights-only loading."""
    buffer = io.BytesIO()
    torch.save(rng_state(), buffer)
    draws = (torch.rand(3), np.random.rand(3), random.random())
    torch.rand(5), np.random.rand(7), random.random()
    buffer.seek(0)
    set_rng_state(torch.load(buffer, weights_only=True))
    again = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(draws[0], again[0])
    assert np.array_equal(draws[1], again[1])
    assert draws[2] == again[2]
