"""Compute table: SCFA next to ViViT-B and TSN-ResNet-50, per video.

For each model (random weights, 51 classes): parameters, GFLOPs per video
(MMEngine's counter, one multiply-add = one FLOP) and the median CPU
latency of a batch-1 forward, all models in this process with the same
threads. The last column is the ratio to SCFA with the views used at test.
Prints the table and writes it to ``--out``.

Example:
    python tools/analysis/complexity.py --runs 3
"""
import argparse
import os.path as osp
from typing import List, Tuple

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
import torch
from mmengine import Config
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from scfa_mm.utils import (build_untrained_model, median_latency,
                           video_complexity)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(config: str) -> Config:
    if config.startswith('mmaction::'):
        cfg = Config.fromstring(f"_base_ = '{config}'", '.py')
    else:
        cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    cfg.model.cls_head.num_classes = 51
    return cfg


def models() -> List[Tuple[str, Config, Tuple[int, ...]]]:
    """(name, config, one video's input shape)."""
    vivit_m1 = load('configs/vivit/vivit_b-fe_8xb8-30e_hmdb51.py')
    vivit_m1.model.backbone.model_type = 'spatio_temporal'
    return [
        ('SCFA ResNet-50, 1 grid (4x4 of 56x56)',
         load('configs/scfa_hmdb51.py'), (1, 3, 224, 224)),
        ('SCFA ResNet-50, 2 grids (2 views, as tested)',
         load('configs/scfa_hmdb51.py'), (2, 3, 224, 224)),
        ('ViViT-B/16x2 Model 2 (factorised encoder), 32x224x224',
         load('configs/vivit/vivit_b-fe_8xb8-30e_hmdb51.py'), (1, 3, 32, 224,
                                                               224)),
        ('ViViT-B/16x2 Model 1 (spatio-temporal), 32x224x224', vivit_m1,
         (1, 3, 32, 224, 224)),
        ('TSN ResNet-50, 16 segments of 224x224',
         load('mmaction::_base_/models/tsn_r50.py'), (16, 3, 224, 224)),
        ('CVRL R3D-50, 2 clips of 16x224x224 (a pre-training pair)',
         load('configs/cvrl/cvrl_r3d50_8xb32-200e_hmdb51.py'), (2, 3, 16, 224,
                                                                224)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--runs',
        type=int,
        default=3,
        help='timed forwards per model (median reported)')
    parser.add_argument(
        '--out', default=osp.join(REPO_ROOT, 'docs', 'complexity.md'))
    parser.add_argument(
        '--match',
        help='only the models whose name contains this text, beside SCFA '
        'with 2 views (printed, not written to --out)')
    args = parser.parse_args()
    init_default_scope('mmaction')
    torch.manual_seed(0)
    rows = []
    entries = models()
    if args.match:
        entries = [entries[1]] + [e for e in entries if args.match in e[0]]
    progress = ProgressBar(len(entries))
    for name, cfg, shape in entries:
        model = build_untrained_model(cfg.model)
        stats = video_complexity(model, shape)
        stats['latency_s'] = median_latency(model, shape, args.runs)
        rows.append((name, stats))
        del model
        progress.update()
    reference = rows[0 if args.match else 1][1]
    lines = [
        f'CPU, {torch.get_num_threads()} threads, batch 1, median of '
        f'{args.runs} forwards; ratios to SCFA with 2 views.', '',
        '| model | params (M) | GFLOPs/video | CPU latency (s) | '
        'GFLOPs ratio | latency ratio |', '|---|---|---|---|---|---|'
    ]
    for name, stats in rows:
        lines.append(
            f'| {name} | {stats["params_m"]:.1f} | {stats["gflops"]:.1f} | '
            f'{stats["latency_s"]:.2f} | '
            f'{stats["gflops"] / reference["gflops"]:.1f}x | '
            f'{stats["latency_s"] / reference["latency_s"]:.1f}x |')
    table = '\n'.join(lines)
    print('\n' + table)
    if args.match:
        return
    with open(args.out, 'w') as f:
        f.write('# Compute per video\n\nMade by `python tools/analysis/'
                f'complexity.py --runs {args.runs}`.\n\n{table}\n')
    print(f'\nwritten to {args.out}')


if __name__ == '__main__':
    main()
