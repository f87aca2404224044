"""GPU budget of the configs that target a paper's number, from the FLOPs
counter.

For each config: GFLOPs of one training sample's forward (MMEngine's
counter on the model built from the config with random weights, one
multiply-add = one FLOP, as ``tools/analysis/complexity.py``), the samples
of one epoch, the config's epochs, and the GPU-hours of training at a
reference rate. Training costs ``passes`` forwards per sample: 3 (forward
and backward, the backward about twice the forward) for a trained network,
1 for a frozen one (linear evaluation); for CARL, whose ResNet stages 1-3
are frozen, 3 is an upper bound. The reference rate is what one H100
sustains training ResNet-50 at 224x224: about 2,500 images/s, i.e.
2,500 x 3 x 4.1 GFLOPs = 30.8 TFLOPs/s in these units (docs/performance.md).
Video decoding can bound a run before compute does (docs/performance.md);
the table counts compute only.

Example:
    python tools/analysis/gpu_budget.py
"""
import argparse
import os.path as osp
from typing import List, NamedTuple, Tuple

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
import torch
from mmengine import Config
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from scfa_mm.utils import build_untrained_model, video_complexity

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# one H100 training ResNet-50 on 224x224 images: ~2,500 images/s, each
# 3 x 4.1 GFLOPs (forward and backward)
REFERENCE_GFLOPS_PER_S = 2500 * 3 * 4.1


class Entry(NamedTuple):
    benchmark: str
    config: str
    sample_shape: Tuple[int, ...]
    samples_per_epoch: int
    samples_source: str
    passes: int


ENTRIES: List[Entry] = [
    Entry('SCFA, HMDB51 split 1 (paper: 48%)', 'configs/scfa_hmdb51.py',
          (2, 3, 224, 224), 3570, '70 x 51 training videos', 3),
    Entry('SCFA, Penn Action (paper: 76%)',
          'configs/scfa/scfa_r50_4xb16-100e_penn-action.py', (2, 3, 224, 224),
          1258, 'official training split', 3),
    Entry('ViViT-B baseline, HMDB51 split 1 (paper: 37%)',
          'configs/vivit/vivit_b-fe_8xb8-30e_hmdb51.py', (1, 3, 32, 224, 224),
          3570, '70 x 51 training videos', 3),
    Entry('CVRL pre-training, Kinetics-400',
          'configs/cvrl/cvrl_r3d50_16xb64-200e_kinetics400.py',
          (2, 3, 16, 224, 224), 240000, 'about 240k (copies differ)', 3),
    Entry('CVRL pre-training, Kinetics-400, 800 epochs',
          'configs/cvrl/cvrl_r3d50_16xb64-800e_kinetics400.py',
          (2, 3, 16, 224, 224), 240000, 'about 240k (copies differ)', 3),
    Entry(
        'CVRL linear evaluation, Kinetics-400 (release: 63.8% after '
        '200 epochs of pre-training)',
        'configs/cvrl/benchmarks/r3d50_linear-8xb32-100e_kinetics400.py',
        (1, 3, 32, 224, 224), 240000, 'about 240k (copies differ)', 1),
    Entry('CVRL fine-tuning, UCF101 split 1 (paper: 92.2%, 3 splits)',
          'configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_ucf101.py',
          (1, 3, 32, 224, 224), 9537, 'official split 1', 3),
    Entry('CVRL fine-tuning, HMDB51 split 1 (paper: 66.7%, 3 splits)',
          'configs/cvrl/benchmarks/r3d50_ft-8xb8-50e_hmdb51.py',
          (1, 3, 32, 224, 224), 3570, '70 x 51 training videos', 3),
    Entry('CARL, Penn Action (13 actions)',
          'configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py',
          (2, 3, 80, 224, 224), 1100,
          'estimated: the 13 labelled actions of the training split', 3),
]


def load(config: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    backbone = cfg.model.backbone
    # no weights are needed to count: never reach for a download
    for key in ('pretrained', 'init_cfg'):
        if key in backbone:
            backbone[key] = None
    if 'image_backbone' in backbone:
        backbone.image_backbone.pretrained = None
    return cfg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--match', help='only the benchmarks whose name contains this text')
    args = parser.parse_args()
    init_default_scope('mmaction')
    entries = [e for e in ENTRIES if not args.match or args.match in e[0]]
    lines = [
        '| benchmark | config | GFLOPs / sample | samples / epoch | epochs '
        '| GPU-hours (compute) |', '|---|---|---|---|---|---|'
    ]
    progress = ProgressBar(len(entries))
    for entry in entries:
        cfg = load(entry.config)
        model = build_untrained_model(cfg.model)
        with torch.no_grad():
            gflops = video_complexity(model, entry.sample_shape)['gflops']
        epochs = cfg.train_cfg.max_epochs
        hours = (
            entry.passes * gflops * entry.samples_per_epoch * epochs /
            REFERENCE_GFLOPS_PER_S / 3600)
        lines.append(f'| {entry.benchmark} | `{entry.config}` | '
                     f'{gflops:.1f} | {entry.samples_per_epoch:,}: '
                     f'{entry.samples_source} | {epochs} | {hours:,.2f} |')
        del model
        progress.update()
    print('\n' + '\n'.join(lines))


if __name__ == '__main__':
    main()
