"""The launch scripts parse their arguments and build the right command."""
import os
import subprocess

import pytest

from ..conftest import REPO_ROOT

SCRIPTS = [
    'dist_train.sh', 'dist_test.sh', 'slurm_launch.sh', 'slurm_train.sh',
    'slurm_test.sh'
]


@pytest.mark.parametrize('script', SCRIPTS)
def test_bash_syntax(script):
    done = subprocess.run(['bash', '-n', f'tools/{script}'],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def dry_run(script, *args, **env):
    return subprocess.run(['bash', f'tools/{script}', *args],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, DRY_RUN='1', **env),
                          capture_output=True,
                          text=True)


def test_slurm_train_command():
    done = dry_run(
        'slurm_train.sh',
        'gpu',
        'scfa',
        'configs/scfa_hmdb51.py',
        '--resume',
        GPUS='16',
        SRUN_ARGS='--time=2:00:00 --exclusive')
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        'srun', '-p', 'gpu', '--job-name=scfa', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=9', '--kill-on-bad-exit=1',
        '--time=2:00:00', '--exclusive', 'python', '-u', 'tools/train.py',
        'configs/scfa_hmdb51.py', '--resume', '--launcher=slurm'
    ]


def test_slurm_test_command():
    done = dry_run(
        'slurm_test.sh',
        'gpu',
        'eval',
        'configs/scfa_hmdb51.py',
        'best.pth',
        '--dump',
        'out.pt',
        GPUS_PER_NODE='4',
        GPUS='4')
    assert done.returncode == 0, done.stderr
    command = done.stdout.split()
    assert command[:5] == [
        'srun', '-p', 'gpu', '--job-name=eval', '--gres=gpu:4'
    ]
    assert command[-6:] == [
        'tools/test.py', 'configs/scfa_hmdb51.py', 'best.pth', '--dump',
        'out.pt', '--launcher=slurm'
    ]


@pytest.mark.parametrize('script, args',
                         [('slurm_train.sh', ['gpu', 'job']),
                          ('slurm_test.sh', ['gpu', 'job', 'cfg.py'])])
def test_missing_arguments_print_usage(script, args):
    done = dry_run(script, *args)
    assert done.returncode == 2
    assert done.stderr.startswith('usage:')
