"""The HMDB51 split configs and the tool that trains, tests and averages
them."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from ..conftest import REPO_ROOT

TOOL = osp.join(REPO_ROOT, 'tools', 'train_test_splits.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('train_test_splits', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ann_files(cfg):
    return (cfg.train_dataloader.dataset.ann_file,
            cfg.val_dataloader.dataset.ann_file,
            cfg.test_dataloader.dataset.ann_file)


# (config of split 1, its split-k name pattern, dataset): the split configs
# must point at split k's official lists and change nothing else
SPLIT_FAMILIES = [
    ('configs/scfa_hmdb51.py',
     'configs/scfa/scfa_r50_4xb16-100e_hmdb51_split{}.py', 'hmdb51'),
    ('configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_ucf101.py',
     'configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_ucf101_split{}.py', 'ucf101'),
    ('configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_hmdb51.py',
     'configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_hmdb51_split{}.py', 'hmdb51'),
]


@pytest.mark.parametrize('family', SPLIT_FAMILIES, ids=lambda f: f[0])
@pytest.mark.parametrize('split', [1, 2, 3])
def test_split_configs_differ_only_in_their_lists(family, split):
    first, pattern, dataset = family
    name = first if split == 1 else pattern.format(split)
    cfg = Config.fromfile(f'{REPO_ROOT}/{name}')
    prefix = f'data/{dataset}/{dataset}'
    assert ann_files(cfg) == (f'{prefix}_train_split_{split}_videos.txt',
                              f'{prefix}_val_split_{split}_videos.txt',
                              f'{prefix}_val_split_{split}_videos.txt')
    reference = Config.fromfile(f'{REPO_ROOT}/{first}')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.ann_file = reference[key].dataset.ann_file
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                'train_dataloader', 'val_dataloader', 'test_dataloader',
                'test_evaluator'):
        assert cfg[key] == reference[key], key


def write_metrics(work_dir, metrics, stamp='20261130_000000'):
    folder = work_dir / 'test' / stamp
    folder.mkdir(parents=True)
    (folder / f'{stamp}.json').write_text(json.dumps(metrics))


def test_collect_only_prints_mean_and_spread(tmp_path):
    # top-1 of three splits: 0.50, 0.46, 0.48 -> mean 0.48, sample standard
    # deviation sqrt(((0.02)^2 + (0.02)^2 + 0) / 2) = 0.02
    for name, top1 in (('a', 0.50), ('b', 0.46), ('c', 0.48)):
        write_metrics(tmp_path / name, {'acc/top1': top1, 'step': 100})
    configs = [f'configs/{name}.py' for name in 'abc']
    done = subprocess.run([
        sys.executable, TOOL, *configs, '--collect-only', '--work-dir-root',
        str(tmp_path)
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == '| split | acc/top1 | step |'
    assert '| configs/b.py | 0.4600 | 100.0000 |' in lines
    assert '| mean ± std (3) | 0.4800 ± 0.0200 | 100.0000 ± 0.0000 |' in lines
    assert '| min - max | 0.4600 - 0.5000 | 100.0000 - 100.0000 |' in lines


def test_collect_only_without_results_fails(tmp_path):
    done = subprocess.run([
        sys.executable, TOOL, 'configs/a.py', '--collect-only',
        '--work-dir-root',
        str(tmp_path)
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO_ROOT)
    assert done.returncode != 0
    assert 'no test metrics' in done.stdout


def test_final_checkpoint_is_the_last_epoch_not_the_last_name(tool, tmp_path):
    for epoch in (5, 95, 100):
        (tmp_path / f'epoch_{epoch}.pth').write_bytes(b'')
    (tmp_path / 'best_acc_top1_epoch_95.pth').write_bytes(b'')
    assert tool.final_checkpoint(str(tmp_path)) == str(tmp_path /
                                                       'epoch_100.pth')
    with pytest.raises(FileNotFoundError, match='no epoch_'):
        tool.final_checkpoint(str(tmp_path / 'missing'))
