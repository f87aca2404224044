"""Checkpoint loading (scfa_mm/utils/checkpoint.py): the globals allowed
in weights-only loading, crafted checkpoints that are refused, and
checkpoints that do not fit the model."""
import argparse
import importlib.util
import os
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import load_checkpoint

from scfa_mm.engine.launch import add_runner_arguments, load_runner_config
from scfa_mm.utils.checkpoint import (UNSAFE_LOADING_ENV,
                                      CheckpointRefusedError,
                                      check_checkpoint_fits,
                                      load_checkpoint_file,
                                      use_checkpoint_loader)
from ..conftest import REPO_ROOT
from ..test_training import CONFIG, tiny_data  # noqa: F401


def training_checkpoint():
    """What MMEngine's Runner stores beside the weights: a message hub with
    log buffers, numpy values in ``meta``."""
    hub = MessageHub('test_checkpoints')
    for step, loss in enumerate([3.0, 2.5, 2.0, 1.75]):
        hub.update_scalar('train/loss', loss)
        hub.update_scalar('train/lr', np.float64(0.1 / (step + 1)))
    hub.update_info('seed', np.int64(7))
    return dict(
        meta=dict(
            epoch=2,
            seed=np.int64(7),
            dataset_meta=dict(classes=['climb', 'run'])),
        state_dict={'fc.weight': torch.arange(6.).reshape(2, 3)},
        message_hub=hub.state_dict())


def load_in_fresh_python(path, imports=''):
    """``torch.load(path)`` (weights-only, torch's default) in a process
    that imports only torch (and ``imports``); its output or error."""
    code = (f'{imports}\nimport torch\n'
            f'c = torch.load({str(path)!r})\n'
            "print('classes', c['meta']['dataset_meta']['classes'])")
    done = subprocess.run([sys.executable, '-c', code],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_plugin_import_lets_stock_checkpoints_load_weights_only(tmp_path):
    # A run without PortableCheckpointHook (an upstream runtime config with
    # custom_imports) writes HistoryBuffers: importing scfa_mm is enough.
    path = tmp_path / 'stock.pth'
    torch.save(training_checkpoint(), path)
    code, output = load_in_fresh_python(path, 'import scfa_mm')
    assert code == 0, output
    assert "classes ['climb', 'run']" in output
    loaded = torch.load(path)  # this process imported scfa_mm too
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert buffer.mean(4) == pytest.approx(9.25 / 4)


class ReachesAnAttribute:
    """Pickles as ``getattr(HistoryBuffer, name)``."""

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return getattr, (HistoryBuffer, self.name)


def test_allowed_getattr_reaches_only_the_statistics(tmp_path):
    torch.save({'ok': ReachesAnAttribute('mean')}, tmp_path / 'ok.pth')
    assert torch.load(tmp_path / 'ok.pth')['ok'] is HistoryBuffer.mean
    torch.save({'bad': ReachesAnAttribute('register_statistics')},
               tmp_path / 'bad.pth')
    with pytest.raises(pickle.UnpicklingError, match='not allowed'):
        torch.load(tmp_path / 'bad.pth')


class Classifier(torch.nn.Module):

    def __init__(self, num_classes):
        super().__init__()
        self.backbone = torch.nn.Linear(4, 8)
        self.cls_head = torch.nn.Module()
        self.cls_head.fc_cls = torch.nn.Linear(8, num_classes)


def test_checkpoint_of_another_head_or_model_stops():
    trained = {'state_dict': Classifier(51).state_dict()}
    check_checkpoint_fits(Classifier(51), trained, 'a.pth')
    # DDP's prefix is stripped as the Runner strips it
    check_checkpoint_fits(
        Classifier(51), {
            f'module.{k}': v
            for k, v in trained['state_dict'].items()
        }, 'a.pth')
    with pytest.raises(ValueError) as error:
        check_checkpoint_fits(Classifier(2), trained, 'a.pth')
    message = str(error.value)
    assert 'a.pth does not fit' in message
    assert 'cls_head.fc_cls.weight has shape (51, 8) in the checkpoint, ' \
        '(2, 8) in the model' in message
    assert 'classifies 51 classes' in message and 'num_classes is 2' in message
    other = {'state_dict': {'encoder.weight': torch.zeros(8, 4)}}
    with pytest.raises(ValueError, match='backbone.weight is missing'):
        check_checkpoint_fits(Classifier(51), other, 'b.pth')


class RunsCode:
    """Unpickles by calling ``os.system(command)``: a crafted checkpoint."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command, )


@pytest.fixture
def crafted_checkpoint(tmp_path):
    """A checkpoint whose unpickling creates ``marker``."""
    marker = tmp_path / 'marker'
    path = tmp_path / 'crafted.pth'
    torch.save(
        {
            'state_dict': {
                'fc.weight': torch.zeros(2, 3)
            },
            'meta': RunsCode(f'touch {marker}')
        }, path)
    return path, marker


def test_crafted_checkpoint_is_refused_unless_unsafe_loading_is_asked(
        crafted_checkpoint, monkeypatch):
    path, marker = crafted_checkpoint
    monkeypatch.setenv(UNSAFE_LOADING_ENV, '0')  # undone afterwards
    with pytest.raises(CheckpointRefusedError) as error:
        load_checkpoint_file(str(path))
    message = str(error.value)
    assert f'{path} was not loaded' in message
    assert re.search(r'the global (posix|nt|os)\.system', message)
    assert '--unsafe-load-pickled-checkpoints' in message
    assert UNSAFE_LOADING_ENV in message
    # through MMEngine, as the Runner of tools/train.py and test.py loads
    use_checkpoint_loader()
    with pytest.raises(CheckpointRefusedError):
        load_checkpoint(torch.nn.Linear(3, 2), str(path))
    publish_tool = load_tool('publish_checkpoint')
    with pytest.raises(CheckpointRefusedError):
        publish_tool.publish(str(path), str(path.parent / 'out.pth'))
    assert not marker.exists()

    # what the flag does: full unpickling, here and in launched processes
    parser = argparse.ArgumentParser()
    add_runner_arguments(parser)
    args = parser.parse_args([
        f'{REPO_ROOT}/configs/scfa_hmdb51.py',
        '--unsafe-load-pickled-checkpoints'
    ])
    load_runner_config(args)
    assert os.environ[UNSAFE_LOADING_ENV] == '1'
    assert load_checkpoint_file(str(path))['meta'] == 0
    assert marker.exists()


def load_tool(name):
    """A command-line module of tools/."""
    spec = importlib.util.spec_from_file_location(
        f'tool_{name}', f'{REPO_ROOT}/tools/{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_test_tool_refuses_a_crafted_checkpoint(
        crafted_checkpoint,
        tiny_data,  # noqa: F811
        tmp_path):
    path, marker = crafted_checkpoint
    _, options = tiny_data
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    env.pop(UNSAFE_LOADING_ENV, None)
    done = subprocess.run([
        sys.executable, 'tools/test.py', CONFIG,
        str(path), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *options
    ],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert done.returncode != 0
    assert f'CheckpointRefusedError: {path} was not loaded' in done.stderr
    assert not marker.exists()
    # and the reason is in the run's log file too
    [log] = (tmp_path / 'work').glob('*/*.log')
    assert f'{path} was not loaded' in log.read_text()
