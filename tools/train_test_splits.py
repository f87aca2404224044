"""Train and test one config per split, then print every split's metrics
and their mean and spread (HMDB51 is reported as the mean over its three
splits).

Each config trains with ``tools/train.py`` (``tools/dist_train.sh`` with
``--gpus`` above 1) into ``work_dirs/<config name>`` and its final
checkpoint is tested with ``tools/test.py`` (``tools/dist_test.sh``) into
``work_dirs/<config name>/test``. The final epoch is tested, not the
checkpoint that scored best during training: HMDB51 validates on the test
list, so picking the best epoch would select on the test set. A split
whose test metrics exist is not run again, so the command can be stopped
and continued; ``--collect-only`` runs nothing and prints what exists.

Example:
    python tools/train_test_splits.py --gpus 4     # the three HMDB51 splits
    python tools/train_test_splits.py CONFIG_1 CONFIG_2 CONFIG_3 --gpus 8
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
HMDB51_SPLITS = ('configs/scfa_hmdb51.py',
                 'configs/scfa/scfa_r50_4xb16-100e_hmdb51_split2.py',
                 'configs/scfa/scfa_r50_4xb16-100e_hmdb51_split3.py')


def work_dir_of(config: str, root: str) -> str:
    return osp.join(root, osp.splitext(osp.basename(config))[0])


def test_metrics(work_dir: str) -> Optional[Dict[str, float]]:
    """The newest test metrics under ``work_dir/test`` (MMEngine writes
    ``<timestamp>/<timestamp>.json``), or None before the test ran."""
    files = glob.glob(osp.join(work_dir, 'test', '*', '*.json'))
    if not files:
        return None
    return json.load(open(max(files, key=osp.getmtime)))


def final_checkpoint(work_dir: str) -> str:
    """The checkpoint of the last epoch trained in ``work_dir``."""
    files = glob.glob(osp.join(work_dir, 'epoch_*.pth'))
    if not files:
        raise FileNotFoundError(f'no epoch_*.pth in {work_dir}: did '
                                'training finish?')
    return max(files, key=lambda f: int(f.rsplit('_', 1)[1][:-len('.pth')]))


def run(command: List[str]) -> None:
    print('+', ' '.join(command), flush=True)
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    done = subprocess.run(command, cwd=REPO_ROOT, env=env)
    if done.returncode != 0:
        raise SystemExit(f'failed ({done.returncode}): {" ".join(command)}')


def train_and_test(config: str, work_dir: str, gpus: int,
                   extra: Sequence[str]) -> None:
    if gpus > 1:
        run([
            'bash', 'tools/dist_train.sh', config,
            str(gpus), '--work-dir', work_dir, *extra
        ])
    else:
        run([
            sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
            *extra
        ])
    checkpoint = final_checkpoint(work_dir)
    test_dir = osp.join(work_dir, 'test')
    if gpus > 1:
        run([
            'bash', 'tools/dist_test.sh', config, checkpoint,
            str(gpus), '--work-dir', test_dir
        ])
    else:
        run([
            sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
            test_dir
        ])


def summary_table(results: Dict[str, Dict[str, float]]) -> str:
    """A markdown table: one row per config, then mean and spread (sample
    standard deviation, min-max) of every metric all configs report."""
    keys = sorted(set.intersection(*(set(m) for m in results.values())))
    keys = [
        k for k in keys
        if isinstance(results[next(iter(results))][k], (int, float))
    ]
    lines = [
        '| split | ' + ' | '.join(keys) + ' |', '|---' * (len(keys) + 1) + '|'
    ]
    for config, metrics in results.items():
        lines.append(f'| {config} | ' + ' | '.join(f'{metrics[k]:.4f}'
                                                   for k in keys) + ' |')
    values = np.array([[m[k] for k in keys] for m in results.values()])
    std = values.std(axis=0, ddof=1) if len(values) > 1 else \
        np.full(len(keys), np.nan)
    lines.append(f'| mean ± std ({len(values)}) | ' +
                 ' | '.join(f'{mean:.4f} ± {s:.4f}'
                            for mean, s in zip(values.mean(0), std)) + ' |')
    lines.append('| min - max | ' + ' | '.join(
        f'{low:.4f} - {high:.4f}'
        for low, high in zip(values.min(0), values.max(0))) + ' |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'configs',
        nargs='*',
        default=list(HMDB51_SPLITS),
        help='one config per split (default: the three HMDB51 splits)')
    parser.add_argument('--gpus', type=int, default=1)
    parser.add_argument('--work-dir-root', default='work_dirs')
    parser.add_argument(
        '--collect-only',
        action='store_true',
        help='run nothing; print the metrics of the splits already tested')
    parser.add_argument(
        '--train-args',
        nargs=argparse.REMAINDER,
        default=[],
        help='passed on to the training tool (e.g. --amp)')
    args = parser.parse_args()

    results = dict()
    for config in args.configs:
        work_dir = work_dir_of(config, args.work_dir_root)
        if test_metrics(work_dir) is None and not args.collect_only:
            train_and_test(config, work_dir, args.gpus, args.train_args)
        metrics = test_metrics(work_dir)
        if metrics is None:
            print(f'{config}: no test metrics in {work_dir}/test yet')
        else:
            results[config] = metrics
    if not results:
        raise SystemExit('no split has test metrics yet')
    print(summary_table(results))


if __name__ == '__main__':
    main()
