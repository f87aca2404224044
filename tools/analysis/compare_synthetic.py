"""Train and test SCFA and its baselines on the synthetic set, same budget.

Every variant trains with tools/train.py for the epochs, optimiser and
frames per video of configs/scfa_synthetic.py and is tested with
tools/test.py on the test split. The table (top-1, top-1 on each
time-reversed pair, reversal accuracy, training time, GFLOPs per video) is
written between the markers of ``--out``; the text around them is kept.

Example:
    python tools/data/make_synthetic.py --out data/synthetic
    python tools/analysis/compare_synthetic.py
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

from analysis_paths import REPO_ROOT
from mmaction.registry import DATASETS, MODELS
from mmengine import Config
from mmengine.registry import init_default_scope

import scfa_mm  # noqa: F401  (registers the plugin's components)
from scfa_mm.utils import video_complexity

BEGIN, END = '<!-- results: begin -->', '<!-- results: end -->'

# name, config, extra --cfg-options
VARIANTS = [
    ('SCFA: supervised contrastive + linear probe',
     'configs/scfa_synthetic.py', []),
    ('Same grid model, cross-entropy only', 'configs/scfa_synthetic.py',
     ['model.neck=None', 'model.head=None', 'model.joint_ce_weight=1.0']),
    ('SCFA self-supervised + linear probe', 'configs/scfa_synthetic.py',
     ["model.positives='video'"]),
    ('TSN (MMAction2), 32 frames, order-free', 'configs/tsn_synthetic.py', []),
    ('ViViT-tiny, Model 2', 'configs/vivit_tiny_synthetic.py', []),
]


def gflops_per_video(config: str) -> float:
    """Backbone and classifier FLOPs of one test video (the contrastive
    projector does not run at test time, so the variants of one config
    share this figure)."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    sample = DATASETS.build(cfg.test_dataloader.dataset)[0]
    model = MODELS.build(cfg.model)
    return video_complexity(model, sample['inputs'].shape)['gflops']


def run(args: List[str]) -> None:
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    done = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f'failed ({done.returncode}): {" ".join(args)}')


def train_and_test(name: str, config: str, options: List[str],
                   work_dir: str) -> Dict:
    print(f'\n=== {name} ===', flush=True)
    overrides = ['--cfg-options', *options] if options else []
    start = time.perf_counter()
    run(['tools/train.py', config, '--work-dir', work_dir, *overrides])
    train_minutes = (time.perf_counter() - start) / 60
    checkpoint = max(
        glob.glob(osp.join(work_dir, 'epoch_*.pth')), key=osp.getmtime)
    test_dir = osp.join(work_dir, 'test')
    run([
        'tools/test.py', config, checkpoint, '--work-dir', test_dir, *overrides
    ])
    metrics_file = max(
        glob.glob(osp.join(test_dir, '*', '*.json')), key=osp.getmtime)
    metrics = json.load(open(metrics_file))
    metrics['train_minutes'] = train_minutes
    return metrics


def markdown_table(rows: List[Dict], pairs: List[str]) -> str:
    header = ['model', 'top-1', 'reversal acc.'] + \
        [f'top-1 {p}' for p in pairs] + ['train time (min)', 'GFLOPs/video']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in rows:
        m = row['metrics']
        cells = [
            row['name'], f'{m["acc/top1"]:.1%}',
            f'{m["reversed/reversal_acc"]:.1%}'
        ]
        cells += [f'{m["reversed/top1/" + p]:.1%}' for p in pairs]
        cells += [f'{m["train_minutes"]:.1f}', f'{row["gflops"]:.3f}']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def write_between_markers(path: str, text: str) -> None:
    old = open(path).read() if osp.isfile(path) else \
        f'# Results on the synthetic set\n\n{BEGIN}\n{END}\n'
    if BEGIN not in old or END not in old:
        old += f'\n{BEGIN}\n{END}\n'
    head, rest = old.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(path, 'w') as f:
        f.write(f'{head}{BEGIN}\n{text}\n{END}{tail}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/compare_synthetic')
    parser.add_argument('--out', default='docs/results_synthetic.md')
    args = parser.parse_args()
    init_default_scope('mmaction')
    if not osp.isfile(osp.join(REPO_ROOT, 'data/synthetic/test.txt')):
        raise FileNotFoundError(
            'data/synthetic is missing: run python tools/data/'
            'make_synthetic.py --out data/synthetic first')
    rows = []
    for index, (name, config, options) in enumerate(VARIANTS):
        metrics = train_and_test(name, config, options,
                                 osp.join(args.work_dir, f'variant_{index}'))
        rows.append(
            dict(name=name, metrics=metrics, gflops=gflops_per_video(config)))
    pairs = sorted(
        key.split('/', 2)[2] for key in rows[0]['metrics']
        if key.startswith('reversed/top1/'))
    table = markdown_table(rows, pairs)
    print('\n' + table)
    write_between_markers(osp.join(REPO_ROOT, args.out), table)
    print(f'\nwritten to {args.out}')


if __name__ == '__main__':
    main()
