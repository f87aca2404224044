"""Checkpoints that survive a killed save or a full disk, and --resume
that falls back to the newest checkpoint that loads, refuses another work
dir's checkpoint and says when there is nothing to resume."""
import io
import json
import logging
import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch

from scfa_mm.engine.checked_runner import CheckedRunner, resume_candidates
from scfa_mm.utils.checkpoint import (CheckpointReadError,
                                      load_checkpoint_file,
                                      save_checkpoint_atomically)
from ..conftest import REPO_ROOT
from ..test_training import CONFIG, tiny_data  # noqa: F401

# Runs tools/train.py with the checkpoint file whose name starts with
# FAIL_SAVE written only half: then SIGKILL (FAIL_HOW=kill) or "no space
# left on device" (FAIL_HOW=full). Whatever the file is called while it is
# written (MMEngine writes epoch_2.pth in place), it starts with the name.
FAILING_SAVE = '''
import builtins, errno, os, runpy, signal, sys
target, how = os.environ['FAIL_SAVE'], os.environ['FAIL_HOW']
real_open = builtins.open

class HalfWriter:
    def __init__(self, f):
        self.f = f
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.f.__exit__(*exc)
    def __getattr__(self, name):
        return getattr(self.f, name)
    def write(self, data):
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        if how == 'kill':
            os.kill(os.getpid(), signal.SIGKILL)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

def failing_open(file, mode='r', *args, **kwargs):
    f = real_open(file, mode, *args, **kwargs)
    if 'w' in mode and os.path.basename(str(file)).startswith(target):
        return HalfWriter(f)
    return f

builtins.open = failing_open
sys.argv = ['tools/train.py'] + sys.argv[1:]
runpy.run_path('tools/train.py', run_name='__main__')
'''


def train(work_dir, options, *args, fail_save=None, fail_how=None):
    """tools/train.py on the tiny config, one checkpoint an epoch; returns
    (exit status, output)."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    command = [sys.executable, 'tools/train.py']
    if fail_save is not None:
        env.update(FAIL_SAVE=fail_save, FAIL_HOW=fail_how)
        command = [sys.executable, '-c', FAILING_SAVE]
    command += [
        CONFIG, '--work-dir',
        str(work_dir), *args, '--cfg-options', *options,
        'train_cfg.val_interval=10', 'default_hooks.checkpoint.interval=1'
    ]
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    return done.returncode, done.stdout + done.stderr


def epoch_losses(run_dir):
    """Mean training loss per epoch of one launch (<work_dir>/<timestamp>)."""
    losses = {}
    with open(run_dir / 'vis_data' / 'scalars.json') as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record:
                losses.setdefault(record['epoch'], []).append(record['loss'])
    return {epoch: sum(v) / len(v) for epoch, v in losses.items()}


def snapshot(work_dir, code, output):
    """What a launch left: its status and output, the checkpoint files, what
    last_checkpoint says, the epoch of each checkpoint that loads, and the
    launch's log and losses."""
    [run_dir] = [
        d for d in sorted(work_dir.iterdir())
        if d.is_dir() and d.name not in snapshot.seen
    ]
    snapshot.seen.add(run_dir.name)
    files = sorted(p.name for p in work_dir.iterdir()
                   if p.name.startswith('epoch_'))
    epochs = {}
    for name in files:
        try:
            checkpoint = load_checkpoint_file(str(work_dir / name))
            epochs[name] = checkpoint['meta']['epoch']
        except CheckpointReadError:
            epochs[name] = None
    last = work_dir / 'last_checkpoint'
    return SimpleNamespace(
        code=code,
        output=output,
        files=files,
        epochs=epochs,
        last=last.read_text() if last.exists() else None,
        log=(run_dir / f'{run_dir.name}.log').read_text(),
        losses=epoch_losses(run_dir))


snapshot.seen = set()


@pytest.fixture(scope='module')
def interrupted(tiny_data, tmp_path_factory):  # noqa: F811
    """One work dir, keeping 1 checkpoint, through two launches:

    - killed: killed (SIGKILL) halfway through writing epoch_2;
    - resumed: the truncated epoch_2.pth a stock MMEngine save leaves is
      added and named by last_checkpoint, then --resume: epoch 2 again, and
      the disk is full halfway through writing epoch_3 (max_epochs=3).
    """
    _, options = tiny_data
    work_dir = tmp_path_factory.mktemp('interrupted')
    options = options + ['default_hooks.checkpoint.max_keep_ckpts=1']
    runs = {}
    runs['killed'] = snapshot(
        work_dir,
        *train(
            work_dir,
            options + ['train_cfg.max_epochs=2'],
            fail_save='epoch_2.pth',
            fail_how='kill'))
    partial = work_dir / 'epoch_2.pth.partial'
    if partial.exists():
        (work_dir / 'epoch_2.pth').write_bytes(partial.read_bytes())
        (work_dir / 'last_checkpoint').write_text(
            str(work_dir / 'epoch_2.pth'))
    # another tool's unfinished file in the work dir, not a checkpoint
    (work_dir / 'result.json.partial').write_text('{}')
    runs['resumed'] = snapshot(
        work_dir,
        *train(
            work_dir,
            options + ['train_cfg.max_epochs=3'],
            '--resume',
            fail_save='epoch_3.pth',
            fail_how='full'))
    return work_dir, runs


def test_kill_mid_save_keeps_the_previous_checkpoint(interrupted):
    work_dir, runs = interrupted
    killed = runs['killed']
    assert killed.code == -signal.SIGKILL, killed.output[-2000:]
    # MMEngine removed epoch_1 first, then wrote epoch_2.pth in place
    assert killed.files == ['epoch_1.pth', 'epoch_2.pth.partial']
    assert killed.epochs['epoch_1.pth'] == 1
    assert killed.last == str(work_dir / 'epoch_1.pth')


def test_resume_falls_back_from_a_truncated_last_checkpoint(interrupted):
    work_dir, runs = interrupted
    resumed = runs['resumed']
    assert f'Not resuming from {work_dir}/epoch_2.pth: {work_dir}/' \
        'epoch_2.pth cannot be read' in resumed.output
    assert f'Resumed from {work_dir}/epoch_1.pth, the newest checkpoint ' \
        f'that loads; skipped: {work_dir}/epoch_2.pth' in resumed.output
    assert 'resumed epoch: 1' in resumed.output
    assert f'Removing {work_dir}/epoch_2.pth.partial' in resumed.output
    assert (work_dir / 'result.json.partial').read_text() == '{}'
    assert 'result.json.partial' not in resumed.output
    # epoch 2 from the epoch-1 state: the killed launch's epoch 2 exactly
    assert sorted(resumed.losses) == [2, 3]
    assert resumed.losses[2] == pytest.approx(
        runs['killed'].losses[2], abs=1e-6)


def test_full_disk_keeps_the_checkpoint_and_logs_the_traceback(interrupted):
    work_dir, runs = interrupted
    resumed = runs['resumed']
    assert resumed.code != 0
    assert f'could not write the checkpoint {work_dir}/epoch_3.pth (No ' \
        'space left on device' in resumed.output
    # epoch_2 written anew, epoch_1 removed after it (max_keep_ckpts=1);
    # epoch_2 kept while epoch_3 could not be written; no partial file
    assert resumed.epochs == {'epoch_2.pth': 2}
    assert resumed.last == str(work_dir / 'epoch_2.pth')
    # the launch's log file says why it stopped, with the traceback
    assert 'training stopped by OSError' in resumed.log
    assert 'Traceback (most recent call last)' in resumed.log
    assert 'No space left on device' in resumed.log.split('Traceback')[-1]


class FakeRunner(SimpleNamespace):
    """What CheckedRunner.load_or_resume uses of a Runner; ``resume`` only
    loads the file, as the Runner does first."""

    def resume(self, filename):
        self.resumed = load_checkpoint_file(filename)['meta']['epoch']

    def _checkpoint_dir(self):
        return self.work_dir


def auto_resume(work_dir):
    """CheckedRunner.load_or_resume for --resume without a path."""
    logger = logging.getLogger('test_resume')
    runner = FakeRunner(
        _has_loaded=False,
        _resume=True,
        _load_from=None,
        work_dir=str(work_dir),
        logger=logger,
        resumed=None)
    CheckedRunner.load_or_resume(runner)
    return runner.resumed


def save(path, epoch):
    torch.save({'meta': {'epoch': epoch}, 'state_dict': {}}, path)


def test_resume_in_an_empty_work_dir_says_there_is_nothing(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        auto_resume(tmp_path)
    message = str(error.value)
    assert f'Nothing to resume in the work dir {tmp_path}: it has no ' \
        f'last_checkpoint file and no checkpoint ({tmp_path}/*.pth)' in message
    assert 'leave out --resume' in message and '--resume PATH' in message


def test_copied_work_dir_does_not_resume_the_original(tmp_path, caplog):
    original, copy = tmp_path / 'original', tmp_path / 'copy'
    original.mkdir()
    copy.mkdir()
    save(original / 'epoch_3.pth', 3)
    (copy / 'last_checkpoint').write_text(str(original / 'epoch_3.pth'))
    with pytest.raises(FileNotFoundError) as error:
        auto_resume(copy)
    message = str(error.value)
    assert f'{copy}/last_checkpoint names {original}/epoch_3.pth, outside ' \
        'this work dir' in message
    assert f'--resume {original}/epoch_3.pth' in message

    # the copy's own file of that name is used instead, and said so
    save(copy / 'epoch_3.pth', 30)
    with caplog.at_level(logging.WARNING, logger='test_resume'):
        assert auto_resume(copy) == 30
    assert f"resuming from this work dir's {copy}/epoch_3.pth" in caplog.text


def test_resume_candidates_newest_of_the_series_first(tmp_path):
    for name in ('epoch_1.pth', 'epoch_2.pth', 'epoch_10.pth', 'epoch_12.pth',
                 'best_acc_epoch_10.pth', 'iter_50.pth',
                 'epoch_11.pth.partial', 'notes.pth'):
        (tmp_path / name).write_bytes(b'x')
    # written in this order (epoch_12 by an earlier run in the same dir)
    for when, name in enumerate(('epoch_12.pth', 'epoch_1.pth', 'epoch_2.pth',
                                 'epoch_10.pth', 'iter_50.pth')):
        os.utime(tmp_path / name, (1000 + when, 1000 + when))
    # without last_checkpoint: every numbered one, by number not by name
    candidates, _ = resume_candidates(str(tmp_path), str(tmp_path))
    assert [os.path.basename(c) for c in candidates] == [
        'iter_50.pth', 'epoch_12.pth', 'epoch_10.pth', 'epoch_2.pth',
        'epoch_1.pth'
    ]
    # the named one first, then only older ones of its series (not
    # epoch_12, nor iter_50, written later)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_10.pth'))
    candidates, notes = resume_candidates(str(tmp_path), str(tmp_path))
    assert [os.path.basename(c) for c in candidates
            ] == ['epoch_10.pth', 'epoch_2.pth', 'epoch_1.pth']
    assert notes == []
    # a preemption's iter_* checkpoint named: then the other series' files
    # written before it, newest first (their numbers do not compare)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_50.pth'))
    candidates, _ = resume_candidates(str(tmp_path), str(tmp_path))
    assert [os.path.basename(c) for c in candidates] == [
        'iter_50.pth', 'epoch_10.pth', 'epoch_2.pth', 'epoch_1.pth',
        'epoch_12.pth'
    ]


class NotAllowed:
    """Pickled by reference to this module: outside the allow-list."""


def test_checkpoint_that_only_full_unpickling_loads_is_kept_with_a_warning(
        tmp_path, monkeypatch):
    buffer = io.BytesIO()
    torch.save({'meta': {'epoch': 1}, 'extra': NotAllowed()}, buffer)
    path = tmp_path / 'epoch_1.pth'
    path.write_bytes(b'previous')
    warnings = []
    monkeypatch.setattr('scfa_mm.utils.checkpoint.print_log',
                        lambda message, **kwargs: warnings.append(message))
    save_checkpoint_atomically(buffer.getvalue(), str(path))
    assert path.read_bytes() == buffer.getvalue()
    assert not (tmp_path / 'epoch_1.pth.partial').exists()
    [logged] = warnings
    assert ('it pickles the global tests.engine.test_resume.NotAllowed'
            in logged)
    assert '--unsafe-load-pickled-checkpoints' in logged
