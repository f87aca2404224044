"""Train and test SCFA and its baselines on the synthetic set, same budget.

Every variant trains with tools/train.py for the epochs, optimiser and
batch of configs/scfa/scfa_r18_synthetic.py, once per seed, and is tested with
tools/test.py on the test split. The table (top-1, reversal accuracy,
k-NN accuracy of the embeddings for the self-supervised variants, top-1 on
each time-reversed pair, training time, GFLOPs per video; mean and
standard deviation over the seeds) is written between the markers of
``--out`` after every variant; the text around them is kept. Each run's
config (``config.py``) and results (``result.json``) are written into its
work directory: a run with results is not repeated, so the comparison can
be stopped and continued. ``--collect-only`` trains nothing and writes the
table of the runs that have results (the ``seeds`` column says how many).

Example:
    python tools/data/make_synthetic.py --out data/synthetic
    python tools/analysis/compare_synthetic.py --seeds 0 1 2
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
from mmaction.registry import DATASETS, MODELS
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.utils import video_complexity
from scfa_mm.utils.experiments import train_and_test, write_run_config
from scfa_mm.utils.markdown import (markdown_table, mean_std,
                                    write_between_markers)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

KNN = dict(type='KNNAccuracyMetric', k=5)
SCFA_TEST_EVALUATORS = [
    dict(type='AccMetric', metric_list=('top_k_accuracy', )),
    dict(
        type='ReversedPairMetric',
        pairs=[(0, 1), (2, 3), (4, 5), (6, 7)],
        class_names=[
            'move_right', 'move_left', 'move_down', 'move_up', 'grow',
            'shrink', 'appear', 'disappear'
        ]), KNN
]

# name, config, overrides merged into the config
VARIANTS = [
    ('SCFA: supervised contrastive + linear probe',
     'configs/scfa/scfa_r18_synthetic.py', {}),
    ('Same grid model, cross-entropy only',
     'configs/scfa/scfa_r18_synthetic.py',
     dict(model=dict(neck=None, head=None, joint_ce_weight=1.0))),
    ('SCFA self-supervised + linear probe',
     'configs/scfa/scfa_r18_synthetic.py',
     dict(model=dict(positives='video'), test_evaluator=SCFA_TEST_EVALUATORS)),
    ('CVRL-small, self-supervised + linear probe',
     'configs/cvrl/cvrl_r3d18-small_synthetic.py', {}),
    ('TSN (MMAction2), 32 frames, order-free',
     'configs/tsn/tsn_r18_synthetic.py', {}),
    ('ViViT-tiny, Model 2', 'configs/vivit/vivit_tiny-fe_synthetic.py', {}),
]


def gflops_per_video(config: str) -> float:
    """Backbone and classifier FLOPs of one test video (the contrastive
    projector does not run at test time, so the variants of one config
    share this figure)."""
    cfg = Config.fromfile(config)
    sample = DATASETS.build(cfg.test_dataloader.dataset)[0]
    model = MODELS.build(cfg.model)
    return video_complexity(model, sample['inputs'].shape)['gflops']


def comparison_table(rows: List[Dict], pairs: List[str]) -> str:
    """The variants' figures over their seeds (``mean ± std``), a column
    of top-1 per time-reversed pair in ``pairs``."""
    header = ['model', 'seeds', 'top-1', 'reversal acc.',
              'k-NN top-1 (k=5)'] + \
        [f'top-1 {p}' for p in pairs] + ['train time (min)', 'GFLOPs/video']
    lines = []
    for row in rows:
        runs = row['runs']

        def column(key, percent=True):
            if key not in runs[0]:
                return '-'
            return mean_std([run[key] for run in runs], percent)

        cells = [
            row['name'], ' '.join(str(seed) for seed in row['seeds']),
            column('acc/top1'),
            column('reversed/reversal_acc'),
            column('knn/top1@k=5')
        ]
        cells += [column(f'reversed/top1/{p}') for p in pairs]
        cells += [column('train_minutes', False), f'{row["gflops"]:.3f}']
        lines.append(cells)
    return markdown_table(header, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/compare_synthetic')
    parser.add_argument('--out', default='docs/results_synthetic.md')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument(
        '--variants',
        type=int,
        nargs='+',
        help='indices into VARIANTS (default: all)')
    parser.add_argument(
        '--collect-only',
        action='store_true',
        help='train nothing: tabulate the runs that have results')
    args = parser.parse_args()
    init_default_scope('mmaction')
    if not osp.isfile(osp.join(REPO_ROOT, 'data/synthetic/test.txt')):
        raise FileNotFoundError(
            'data/synthetic is missing: run python tools/data/'
            'make_synthetic.py --out data/synthetic first')
    chosen = args.variants or range(len(VARIANTS))
    rows = []
    for index in chosen:
        name, config, overrides = VARIANTS[index]
        runs, seeds = [], []
        for seed in args.seeds:
            work_dir = osp.join(args.work_dir, f'variant_{index}_seed_{seed}')
            result_file = osp.join(work_dir, 'result.json')
            if args.collect_only and not osp.isfile(result_file):
                print(f'no results yet: {name}, seed {seed}')
                continue
            path = write_run_config(
                osp.join(REPO_ROOT, config), overrides, seed, work_dir)
            if not osp.isfile(result_file):
                with open(result_file + '.partial', 'w') as f:
                    json.dump(
                        train_and_test(name, path, work_dir, REPO_ROOT), f)
                os.replace(result_file + '.partial', result_file)
            with open(result_file) as f:
                runs.append(json.load(f))
            seeds.append(seed)
        if not runs:
            continue
        rows.append(
            dict(
                name=name,
                runs=runs,
                seeds=seeds,
                gflops=gflops_per_video(path)))
        pairs = sorted(
            key.split('/', 2)[2] for key in rows[0]['runs'][0]
            if key.startswith('reversed/top1/'))
        table = comparison_table(rows, pairs)
        write_between_markers(osp.join(REPO_ROOT, args.out), table)
        print(f'\n{table}\n\nwritten to {args.out}', flush=True)


if __name__ == '__main__':
    main()
