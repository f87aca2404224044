"""Multi-seed experiments on the synthetic sets: run configs written per
run (overrides, seed, data root, epochs, training list), train and test
them with the repository's ``tools/train.py`` and ``tools/test.py`` in
child processes, and keep each result as JSON so that an experiment can
be stopped and continued."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional

import numpy as np
from mmengine import Config

#: The data root that the synthetic configs name.
DEFAULT_DATA_ROOT = 'data/synthetic'


def merge_overrides(cfg: Config, overrides: Dict) -> None:
    """Merge ``overrides`` into ``cfg`` in place: a dict updates the dict
    of its key (one level), anything else replaces it."""
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key].update(value)
        else:
            cfg[key] = value


def replace_root(value: Any,
                 data_root: str,
                 default_root: str = DEFAULT_DATA_ROOT) -> Any:
    """``value`` with every string path under ``default_root`` moved under
    ``data_root`` (dicts, lists and tuples walked; other values kept)."""
    if isinstance(value, str):
        if value == default_root or value.startswith(default_root + '/'):
            return data_root + value[len(default_root):]
        return value
    if isinstance(value, dict):
        return type(value)({
            k: replace_root(v, data_root, default_root)
            for k, v in value.items()
        })
    if isinstance(value, (list, tuple)):
        return type(value)(
            replace_root(v, data_root, default_root) for v in value)
    return value


def write_run_config(config: str,
                     overrides: Dict,
                     seed: int,
                     work_dir: str,
                     data_root: str = DEFAULT_DATA_ROOT,
                     epochs: Optional[int] = None,
                     train_list: Optional[str] = None) -> str:
    """Write the config of one run into ``work_dir``.

    Args:
        config (str): The config file.
        overrides (dict): Merged in with :func:`merge_overrides`.
        seed (int): ``randomness.seed`` of the run.
        work_dir (str): Where ``config.py`` is written (made if missing).
        data_root (str): Replaces ``data/synthetic`` in every path of the
            config (:func:`replace_root`). Defaults to
            :data:`DEFAULT_DATA_ROOT` (no change).
        epochs (int, optional): Training epochs; validation every quarter
            and cosine schedules (``T_max``, ``end``) follow them.
        train_list (str, optional): The training split's annotation list.

    Returns:
        str: The path of the written config.
    """
    cfg = Config.fromfile(config)
    merge_overrides(cfg, overrides)
    if data_root != DEFAULT_DATA_ROOT:
        for key in list(cfg.keys()):
            cfg[key] = replace_root(cfg[key], data_root)
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.train_cfg.val_interval = max(1, epochs // 4)
        for scheduler in cfg.param_scheduler:
            scheduler.update(T_max=epochs, end=epochs)
    if train_list is not None:
        cfg.train_dataloader.dataset.ann_file = train_list
    cfg.randomness = dict(seed=seed)
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, 'config.py')
    cfg.dump(path)
    return path


def stratified_subset(ann_file: str, fraction: float, seed: int,
                      out: str) -> str:
    """Write ``round(fraction * n)`` (at least one) of the ``n`` videos of
    every class of ``ann_file`` (lines ending in the label), drawn with
    ``seed``, to ``out``; returns ``out``."""
    lines = open(ann_file).read().splitlines()
    by_class = defaultdict(list)
    for line in lines:
        by_class[int(line.split()[-1])].append(line)
    rng = np.random.default_rng([seed, round(fraction * 1000)])
    chosen = []
    for label in sorted(by_class):
        members = by_class[label]
        count = max(1, int(round(fraction * len(members))))
        chosen += [
            members[i]
            for i in sorted(rng.choice(len(members), count, replace=False))
        ]
    with open(out, 'w') as f:
        f.writelines(f'{line}\n' for line in chosen)
    return out


def run_script(args: List[str], repo_root: str) -> None:
    """Run ``python *args`` in ``repo_root`` (a script of the repository
    and its arguments), with the repository on ``PYTHONPATH``.

    Raises:
        RuntimeError: If the script fails.
    """
    env = dict(os.environ, PYTHONPATH=repo_root)
    done = subprocess.run([sys.executable, *args], cwd=repo_root, env=env)
    if done.returncode != 0:
        raise RuntimeError(f'failed ({done.returncode}): {" ".join(args)}')


def cached_json(path: str, compute: Callable[[], Dict]) -> Dict:
    """The JSON at ``path``, computed and written first if missing (through
    a ``.partial`` file: an interrupted run leaves no result)."""
    if not osp.isfile(path):
        result = compute()
        with open(path + '.partial', 'w') as f:
            json.dump(result, f, indent=1)
        os.replace(path + '.partial', path)
    with open(path) as f:
        return json.load(f)


def latest_test_metrics(test_dir: str) -> Dict:
    """The metrics JSON that ``tools/test.py --work-dir test_dir`` wrote
    last (``test_dir/<timestamp>/<timestamp>.json``)."""
    metrics_file = max(
        glob.glob(osp.join(test_dir, '*', '*.json')), key=osp.getmtime)
    with open(metrics_file) as f:
        return json.load(f)


def train_unless_done(config: str, work_dir: str, repo_root: str) -> str:
    """Train ``config`` into ``work_dir`` with ``tools/train.py`` unless
    its final checkpoint exists; returns the checkpoint's path."""
    epochs = Config.fromfile(config).train_cfg.max_epochs
    checkpoint = osp.join(work_dir, f'epoch_{epochs}.pth')
    if not osp.isfile(checkpoint):
        print(f'\n=== training {work_dir} ===', flush=True)
        run_script(['tools/train.py', config, '--work-dir', work_dir],
                   repo_root)
    return checkpoint


def train_and_test(name: str, config: str, work_dir: str,
                   repo_root: str) -> Dict:
    """Train ``config`` into ``work_dir``, test its newest checkpoint on
    the test split (into ``work_dir/test``); the test metrics and
    ``train_minutes``."""
    print(f'\n=== {name}: {work_dir} ===', flush=True)
    start = time.perf_counter()
    run_script(['tools/train.py', config, '--work-dir', work_dir], repo_root)
    train_minutes = (time.perf_counter() - start) / 60
    checkpoint = max(
        glob.glob(osp.join(work_dir, 'epoch_*.pth')), key=osp.getmtime)
    test_dir = osp.join(work_dir, 'test')
    run_script(['tools/test.py', config, checkpoint, '--work-dir', test_dir],
               repo_root)
    metrics = latest_test_metrics(test_dir)
    metrics['train_minutes'] = train_minutes
    return metrics
