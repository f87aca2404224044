"""Train and test the grid captioner and its order-free control on the
synthetic set, same budget, several seeds.

Both variants train with tools/train.py (configs/caption/
grid-caption_r18_synthetic.py and mean-caption_r18_synthetic.py: the same
ResNet-18, decoder, frames, pixels, optimiser and epochs; the control
averages per-frame features over time, as TSN does) and are tested with
tools/test.py on the test split. The table (BLEU-4, ROUGE-L, CIDEr,
METEOR, the share of captions naming the right motion, per time-reversed
pair too, and training time; mean ± standard deviation over the seeds) is
written between the markers of ``--out`` after every run; the text around
them is kept. A third row needs no training: every test video gets the
most frequent training caption, the score of a captioner that ignores its
input (its motion word is right for one class in eight). Example
captions of the first seed's models, with the grids, go to
``--examples-dir`` and a second marked block. Runs with results are not
repeated, so the comparison can be stopped and continued.

Example:
    python tools/data/make_synthetic.py --out data/synthetic
    python tools/analysis/compare_captioning.py --seeds 0 1 2
"""
import argparse
import json
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Tuple

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
import mmcv
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import METRICS, init_default_scope

from scfa_mm.utils.experiments import (cached_json, train_and_test,
                                       write_run_config)
from scfa_mm.utils.markdown import (markdown_table, mean_std,
                                    write_between_markers)
from scfa_mm.utils.plots import add_caption_strip

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# name, config
VARIANTS = [
    ('Grid captioner (16 frames in a 4x4 grid, 16 tokens)',
     'configs/caption/grid-caption_r18_synthetic.py'),
    ('Order-free control (per-frame features averaged, 1 token)',
     'configs/caption/mean-caption_r18_synthetic.py'),
]
PAIRS = [('move_right', 'move_left'), ('move_down', 'move_up'),
         ('grow', 'shrink'), ('appear', 'disappear')]
# one test video of every class, for the examples
EXAMPLE_CLASSES = ('move_right', 'move_left', 'move_down', 'move_up', 'grow',
                   'shrink', 'appear', 'disappear')


def comparison_table(rows: List[Dict]) -> str:
    """The variants' figures over their seeds (``mean ± sd``)."""
    header = [
        'model', 'seeds', 'BLEU-4', 'ROUGE-L', 'CIDEr', 'METEOR',
        'motion word right', 'no motion word'
    ] + [f'motion word right, {a} / {b}'
         for a, b in PAIRS] + ['train time (min)']
    lines = []
    for row in rows:
        runs = row['runs']

        def column(key, percent=True, digits=1):
            if key not in runs[0]:
                return '-'
            return mean_std([run[key] for run in runs], percent, digits)

        def pair_column(a, b):
            keys = [f'caption/keyword_acc/{a}', f'caption/keyword_acc/{b}']
            if not all(key in runs[0] for key in keys):
                return '-'
            return mean_std([(run[keys[0]] + run[keys[1]]) / 2
                             for run in runs])

        lines.append([
            row['name'], ' '.join(str(seed) for seed in row['seeds']),
            column('caption/BLEU-4'),
            column('caption/ROUGE-L'),
            column('caption/CIDEr', percent=False, digits=2),
            column('caption/METEOR'),
            column('caption/keyword_acc'),
            column('caption/keyword_missing')
        ] + [pair_column(a, b)
             for a, b in PAIRS] + [column('train_minutes', False)])
    return markdown_table(header, lines)


def constant_caption_control(data_root: str,
                             config: str) -> Tuple[str, Dict[str, float]]:
    """The most frequent training caption (ties: the first in alphabetical
    order) and its scores as the caption of every test video, by the test
    evaluators of ``config``."""
    with open(osp.join(data_root, 'captions', 'train.json')) as f:
        counts = Counter(
            caption for record in json.load(f)
            for caption in record['captions'])
    caption = min(counts, key=lambda text: (-counts[text], text))
    with open(osp.join(data_root, 'captions', 'test.json')) as f:
        samples = [
            dict(
                video_id=record['video_id'],
                gt_captions=record['captions'],
                gt_label=record['label'],
                pred_caption=caption) for record in json.load(f)
        ]
    metrics = {}
    for metric_cfg in Config.fromfile(config).test_evaluator:
        metric = METRICS.build(metric_cfg)
        metric.process(None, samples)
        metrics.update(metric.evaluate(len(samples)))
    return caption, metrics


def example_videos(test_file: str) -> List[Dict]:
    """The first test video of each of :data:`EXAMPLE_CLASSES`."""
    with open(test_file) as f:
        records = json.load(f)
    chosen = []
    for name in EXAMPLE_CLASSES:
        chosen += [r for r in records if r['video'].startswith(name + '/')][:1]
    return chosen


def write_examples(checkpoints: List[str], configs: List[str],
                   examples_dir: str, data_root: str) -> str:
    """Caption the example videos with each variant's model; write each
    model's grid with its caption; return a markdown table of them."""
    # tools/caption_video.py's functions, as a user would call them
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'caption_video', osp.join(REPO_ROOT, 'tools', 'caption_video.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    os.makedirs(examples_dir, exist_ok=True)
    videos = example_videos(osp.join(data_root, 'captions', 'test.json'))
    models = [
        tool.load_captioner(config, checkpoint)
        for config, checkpoint in zip(configs, checkpoints)
    ]
    rows = []
    for record in videos:
        path = osp.join(data_root, 'videos', record['video'])
        cells = [f'`{record["video_id"]}`', record['captions'][0]]
        for variant, (model, cfg) in enumerate(models):
            caption, grid = tool.caption_video(model, cfg, path)
            image = osp.join(examples_dir,
                             f'{record["video_id"]}_variant{variant}.png')
            mmcv.imwrite(add_caption_strip(grid, caption)[..., ::-1], image)
            rel = osp.relpath(image, osp.join(REPO_ROOT, 'docs'))
            cells.append(f'{caption}<br>![]({rel})')
        rows.append(cells)
    header = ['test video', 'a reference caption'
              ] + [name for name, _ in VARIANTS]
    return markdown_table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/compare_captioning')
    parser.add_argument('--out', default='docs/captioning.md')
    parser.add_argument(
        '--examples-dir', default='docs/images/captioning_examples')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument(
        '--collect-only',
        action='store_true',
        help='train nothing: tabulate the runs that have results')
    args = parser.parse_args()
    init_default_scope('mmaction')
    data_root = osp.join(REPO_ROOT, 'data/synthetic')
    if not osp.isfile(osp.join(data_root, 'captions', 'test.json')):
        raise FileNotFoundError(
            'data/synthetic/captions is missing: run python tools/data/'
            'make_synthetic.py --out data/synthetic (or --captions-only '
            'for an existing set) first')
    caption, control = constant_caption_control(
        data_root, osp.join(REPO_ROOT, VARIANTS[0][1]))
    control_row = dict(
        name=f'Control: one caption for every video ("{caption}", the most '
        'frequent in training)',
        seeds=['-'],
        runs=[control])
    results = {index: [] for index in range(len(VARIANTS))}

    def publish(results: Dict[int, list]) -> None:
        rows = [
            dict(
                name=VARIANTS[i][0],
                seeds=[s for s, _ in runs],
                runs=[r for _, r in runs])
            for i, runs in results.items() if runs
        ] + [control_row]
        table = comparison_table(rows)
        write_between_markers(osp.join(REPO_ROOT, args.out), table)
        print(f'\n{table}\n\nwritten to {args.out}', flush=True)

    # seeds outermost: both variants have as many runs at any time
    for seed in args.seeds:
        for index, (name, config) in enumerate(VARIANTS):
            work_dir = osp.join(args.work_dir, f'variant_{index}_seed_{seed}')
            result_file = osp.join(work_dir, 'result.json')
            if args.collect_only and not osp.isfile(result_file):
                print(f'no results yet: {name}, seed {seed}')
                continue
            path = write_run_config(
                osp.join(REPO_ROOT, config), {}, seed, work_dir)
            result = cached_json(
                result_file,
                lambda: train_and_test(name, path, work_dir, REPO_ROOT))
            results[index].append((seed, result))
            publish(results)
    publish(results)
    first = args.seeds[0]
    checkpoints = [
        osp.join(args.work_dir, f'variant_{i}_seed_{first}', 'epoch_20.pth')
        for i in range(len(VARIANTS))
    ]
    if all(osp.isfile(c) for c in checkpoints):
        MMLogger.get_instance('compare_captioning', log_level='WARNING')
        configs = [
            osp.join(args.work_dir, f'variant_{i}_seed_{first}', 'config.py')
            for i in range(len(VARIANTS))
        ]
        examples = write_examples(checkpoints, configs, args.examples_dir,
                                  data_root)
        write_between_markers(
            osp.join(REPO_ROOT, args.out), examples, tag='examples')
        print(f'\n{examples}', flush=True)


if __name__ == '__main__':
    main()
