"""Evidence that can fail: each method against its controls on the
synthetic set and on variants built to show its claim.

Experiments (``--experiment``), every run once per seed, trained with
``tools/train.py`` in the budget of its config:

- ``clip``: self-supervised SCFA and CVRL-small on the set of
  ``--data-root``. Each trained encoder and the same encoder at its random
  initialisation (same seed) are probed the same way,
  ``tools/analysis/probe_encoder.py``: k-NN and linear probe on frozen
  pooled features, fitted on the training split, scored on the test split.
- ``carl``: CARL-small on ``--data-root``; the four frame metrics
  (``tools/analysis/evaluate_frames.py``) of the trained encoder, of the
  untrained one (same seed) and of relative time alone.
- ``scarce-labels``: SCFA (supervised contrastive, linear probe) and the
  same grid model with cross-entropy, each trained on the same stratified
  fraction of the training videos (``--fractions``; a subset per seed)
  for ``--epochs`` epochs; top-1 and reversal accuracy on the test split.

A variant set is read by replacing ``data/synthetic`` in every path of the
configs by ``--data-root``; each run's config is written into its work
directory (``--work-dir/<experiment>/<set>/<run>``) and a run whose results
exist is not repeated, so an experiment can be stopped and continued, or
split over processes (``--methods``, ``--seeds``) and tabulated with
``--collect-only``. The table (mean ± standard deviation over the seeds)
goes between the ``results <experiment> <set>`` markers of ``--out``.

Examples:
    python tools/data/make_synthetic.py --out data/synthetic_per-class \\
        --appearance per-class
    python tools/analysis/synthetic_evidence.py --experiment clip \\
        --data-root data/synthetic_per-class --seeds 0 1 2
    python tools/data/make_synthetic.py --out data/synthetic_varied-timing \\
        --timing varied
    python tools/analysis/synthetic_evidence.py --experiment carl \\
        --data-root data/synthetic_varied-timing --seeds 0 1 2
    python tools/analysis/synthetic_evidence.py --experiment scarce-labels \\
        --seeds 0 1 2
"""
import argparse
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Callable, Dict, List

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401

from scfa_mm.evaluation.frame_evaluation import FRAME_COLUMNS
from scfa_mm.utils.experiments import (DEFAULT_DATA_ROOT, cached_json,
                                       latest_test_metrics, run_script,
                                       stratified_subset, train_unless_done,
                                       write_run_config)
from scfa_mm.utils.markdown import mean_std, write_between_markers

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# name -> (config, overrides merged into it)
CLIP_METHODS = {
    'SCFA self-supervised': ('configs/scfa/scfa_r18_synthetic.py',
                             dict(model=dict(positives='video'))),
    'CVRL-small': ('configs/cvrl/cvrl_r3d18-small_synthetic.py', {}),
}
CARL_METHODS = {
    'CARL-small': ('configs/carl/carl_r18-small_synthetic.py', {}),
}
SCARCE_METHODS = {
    'SCFA (supervised contrastive + linear probe)':
    ('configs/scfa/scfa_r18_synthetic.py', {}),
    'same grid model, cross-entropy':
    ('configs/scfa/scfa_r18_synthetic.py',
     dict(model=dict(neck=None, head=None, joint_ce_weight=1.0))),
}


def write_config(config: str, *args, **kwargs) -> str:
    """:func:`write_run_config` of ``config`` named in the repository."""
    return write_run_config(osp.join(REPO_ROOT, config), *args, **kwargs)


def train(config: str, work_dir: str) -> str:
    """Train unless the final checkpoint exists; returns its path."""
    return train_unless_done(config, work_dir, REPO_ROOT)


def tool_result(args: List[str], out_dir: str, name: str) -> Callable:
    """Run an analysis tool that writes ``out_dir/name``; its JSON."""

    def compute():
        run_script(args + ['--work-dir', out_dir], REPO_ROOT)
        with open(osp.join(out_dir, name)) as f:
            return json.load(f)

    return compute


def trained_and_untrained(args, methods: Dict, names: List[str], set_dir: str,
                          data_root: str, slug: Callable, tool: str, kind: str,
                          out_dirs: tuple, out_name: str) -> Dict:
    """Per method and seed: train, then evaluate the checkpoint and the
    untrained encoder of the seed with ``tool`` (which writes
    ``out_name`` into its ``--work-dir``, one of ``out_dirs``); the
    results are kept as ``<kind>_trained.json`` and
    ``<kind>_untrained.json`` in the run's directory."""
    rows = defaultdict(list)
    for name in names:
        config, overrides = methods[name]
        for seed in args.seeds:
            work_dir = osp.join(set_dir, f'{slug(name)}_seed_{seed}')
            result_files = [
                osp.join(work_dir, f'{kind}_{state}.json')
                for state in ('trained', 'untrained')
            ]
            if args.collect_only and not all(map(osp.isfile, result_files)):
                continue
            path = write_config(config, overrides, seed, work_dir, data_root)
            checkpoint = train(path, work_dir)
            trained = cached_json(
                result_files[0],
                tool_result([tool, path, checkpoint],
                            osp.join(work_dir, out_dirs[0]), out_name))
            untrained = cached_json(
                result_files[1],
                tool_result([tool, path, '--untrained', '--seed',
                             str(seed)], osp.join(work_dir, out_dirs[1]),
                            out_name))
            rows[f'{name}, trained'].append((seed, trained))
            rows[f'{name}, untrained encoder (same seed)'].append(
                (seed, untrained))
    return rows


def clip_runs(args, methods, set_dir: str, data_root: str) -> Dict:
    return trained_and_untrained(
        args, CLIP_METHODS, methods, set_dir, data_root,
        lambda name: name.split()[0].lower().replace('-', '_'),
        'tools/analysis/probe_encoder.py', 'probe',
        ('probe', 'probe_untrained'), 'probe.json')


def clip_table(rows: Dict) -> str:
    lines = [
        '| encoder | seeds | k-NN top-1 (k=5) | linear probe top-1 | '
        'instance acc. (held-out, pretext) |', '|---|---|---|---|---|'
    ]
    for name, runs in rows.items():
        seeds = ' '.join(str(seed) for seed, _ in runs)
        knn = mean_std([r['knn/top1@k=5'] for _, r in runs])
        linear = mean_std([r['linear_probe/top1'] for _, r in runs])
        instance = mean_std([r['instance/top1'] for _, r in runs])
        lines.append(f'| {name} | {seeds} | {knn} | {linear} | {instance} |')
    return '\n'.join(lines)


def carl_runs(args, methods, set_dir: str, data_root: str) -> Dict:
    evaluate = 'tools/analysis/evaluate_frames.py'
    rows = trained_and_untrained(args, CARL_METHODS, methods, set_dir,
                                 data_root, lambda name: 'carl', evaluate,
                                 'frames', ('frames', 'untrained_frames'),
                                 'frame_metrics.json')
    if rows:
        # one config of the set serves: relative time reads no weights
        path = write_config(*CARL_METHODS[methods[0]], 0,
                            osp.join(set_dir, 'relative_time'), data_root)
        result = cached_json(
            osp.join(set_dir, 'relative_time', 'frames_relative_time.json'),
            tool_result([evaluate, path, '--relative-time'],
                        osp.join(set_dir, 'relative_time', 'frames'),
                        'frame_metrics.json'))
        rows['relative time only (no image, no training)'] = [('-', result)]
    return rows


def carl_table(rows: Dict) -> str:
    lines = [
        '| representation | seeds | ' +
        ' | '.join(c[1] for c in FRAME_COLUMNS) + ' |',
        '|---|---|' + '---|' * len(FRAME_COLUMNS)
    ]
    for name, runs in rows.items():
        cells = [name, ' '.join(str(seed) for seed, _ in runs)]
        for key, _, percent in FRAME_COLUMNS:
            values = [r[key] for _, r in runs]
            cells.append(
                mean_std(values) if percent else mean_std(values, False, 3))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def scarce_runs(args, methods, set_dir: str, data_root: str) -> Dict:
    rows = defaultdict(list)
    full_list = osp.join(REPO_ROOT, data_root, 'train.txt')
    for fraction in args.fractions:
        for index, name in enumerate(methods):
            config, overrides = SCARCE_METHODS[name]
            for seed in args.seeds:
                tag = f'{round(fraction * 100)}pct_seed_{seed}'
                work_dir = osp.join(set_dir, f'{index}_{tag}')
                result_file = osp.join(work_dir, 'result.json')
                if args.collect_only and not osp.isfile(result_file):
                    continue
                os.makedirs(set_dir, exist_ok=True)
                subset = stratified_subset(
                    full_list, fraction, seed,
                    osp.join(set_dir, f'train_{tag}.txt'))
                path = write_config(config, overrides, seed, work_dir,
                                    data_root, args.epochs, subset)

                def compute(path=path, work_dir=work_dir):
                    checkpoint = train(path, work_dir)
                    test_dir = osp.join(work_dir, 'test')
                    run_script([
                        'tools/test.py', path, checkpoint, '--work-dir',
                        test_dir
                    ], REPO_ROOT)
                    result = latest_test_metrics(test_dir)
                    result['train_videos'] = len(open(subset).readlines())
                    return result

                rows[(fraction, name)].append(
                    (seed, cached_json(result_file, compute)))
    return rows


def scarce_table(rows: Dict) -> str:
    lines = [
        '| labelled training videos | model | seeds | top-1 | '
        'reversal acc. |', '|---|---|---|---|---|'
    ]
    for (fraction, name), runs in rows.items():
        videos = runs[0][1]['train_videos']
        seeds = ' '.join(str(seed) for seed, _ in runs)
        top1 = mean_std([r['acc/top1'] for _, r in runs])
        reversal = mean_std([r['reversed/reversal_acc'] for _, r in runs])
        lines.append(f'| {round(fraction * 100)}% ({videos}) | {name} | '
                     f'{seeds} | {top1} | {reversal} |')
    return '\n'.join(lines)


EXPERIMENTS = {
    'clip': (CLIP_METHODS, clip_runs, clip_table),
    'carl': (CARL_METHODS, carl_runs, carl_table),
    'scarce-labels': (SCARCE_METHODS, scarce_runs, scarce_table),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--experiment', choices=list(EXPERIMENTS), required=True)
    parser.add_argument('--data-root', default=DEFAULT_DATA_ROOT)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--methods',
        nargs='+',
        type=int,
        help="indices into the experiment's methods (default: all)")
    parser.add_argument(
        '--fractions',
        type=float,
        nargs='+',
        default=[0.1, 0.25],
        help='scarce-labels: shares of the training videos kept')
    parser.add_argument(
        '--epochs',
        type=int,
        default=40,
        help='scarce-labels: epochs over the kept videos')
    parser.add_argument('--work-dir', default='work_dirs/synthetic_evidence')
    parser.add_argument('--out', default='docs/results_evidence.md')
    parser.add_argument(
        '--collect-only',
        action='store_true',
        help='train nothing: tabulate the runs that have results')
    args = parser.parse_args()
    if not osp.isfile(osp.join(REPO_ROOT, args.data_root, 'test.txt')):
        raise FileNotFoundError(
            f'{args.data_root} is missing: make it with '
            'tools/data/make_synthetic.py (see this tool\'s examples)')
    methods, runs, table = EXPERIMENTS[args.experiment]
    names = list(methods)
    chosen = [names[i] for i in args.methods] if args.methods else names
    set_name = osp.basename(osp.normpath(args.data_root))
    set_dir = osp.join(args.work_dir, args.experiment, set_name)
    rows = runs(args, chosen, set_dir, args.data_root)
    if not rows:
        print('no results yet')
        return
    text = table(rows)
    write_between_markers(
        osp.join(REPO_ROOT, args.out), text, f'{args.experiment} {set_name}')
    print(f'\n{text}\n\nwritten to {args.out}', flush=True)


if __name__ == '__main__':
    main()
