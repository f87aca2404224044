"""Size, compute and CPU training speed of SCFA next to TSN-ResNet-50.

Builds the default SCFA model (configs/scfa_hmdb51.py: ResNet-50, 2 views
of one 224x224 grid each) and MMAction2's TSN ResNet-50 with 16 segments
(16 frames of 224x224 per video, the stock way of showing a 2D CNN 16
frames), both with random weights and 51 classes. It prints parameters and
GFLOPs per video (MMEngine's complexity analysis, which counts one
multiply-add as one FLOP), then times full training steps (forward,
backward, Adam step) on random inputs, alternating the two models so that
load on the machine affects both alike.

Example:
    python tools/analysis/benchmark_training.py --batch-size 2 --steps 3
"""
import argparse
import os.path as osp
import time
from typing import Dict, List

import torch
from analysis_paths import REPO_ROOT
from mmaction.structures import ActionDataSample
from mmengine import Config
from mmengine.registry import init_default_scope

import scfa_mm  # noqa: F401  (registers the plugin's components)
from scfa_mm.utils import build_untrained_model, video_complexity


def build_models(num_classes: int) -> Dict[str, torch.nn.Module]:
    scfa_cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'scfa_hmdb51.py'))
    tsn_cfg = Config.fromstring(
        "_base_ = 'mmaction::_base_/models/tsn_r50.py'", '.py')
    tsn_cfg.model.cls_head.num_classes = num_classes
    return {
        'SCFA R50 (2 views x 4x4 grid)':
        (build_untrained_model(scfa_cfg.model), 2),
        'TSN R50 (16 segments)': (build_untrained_model(tsn_cfg.model), 16),
    }


def make_batch(model, batch_size, num_images, num_classes):
    inputs = [
        torch.randint(0, 256, (num_images, 3, 224, 224), dtype=torch.uint8)
        for _ in range(batch_size)
    ]
    samples = [
        ActionDataSample().set_gt_label(i % num_classes)
        for i in range(batch_size)
    ]
    return model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), training=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--batch-size', type=int, default=2, help='videos per training step')
    parser.add_argument(
        '--steps',
        type=int,
        default=3,
        help='timed steps per model (after one warm-up)')
    parser.add_argument('--num-classes', type=int, default=51)
    args = parser.parse_args()
    init_default_scope('mmaction')
    torch.manual_seed(0)
    models = build_models(args.num_classes)

    rows: Dict[str, Dict] = {}
    for name, (model, num_images) in models.items():
        model.init_weights()
        rows[name] = dict(
            images=num_images,
            **video_complexity(model, (num_images, 3, 224, 224)))

    optimizers = {
        name: torch.optim.Adam(model.parameters(), lr=1e-4)
        for name, (model, _) in models.items()
    }
    seconds: Dict[str, List[float]] = {name: [] for name in models}
    for step in range(args.steps + 1):
        for name, (model, num_images) in models.items():
            model.train()
            data = make_batch(model, args.batch_size, num_images,
                              args.num_classes)
            start = time.perf_counter()
            losses = model(**data, mode='loss')
            loss = sum(v for k, v in losses.items() if k.startswith('loss'))
            optimizers[name].zero_grad()
            loss.backward()
            optimizers[name].step()
            if step > 0:  # the first step warms up allocators and kernels
                seconds[name].append(time.perf_counter() - start)
            print(
                f'step {step}/{args.steps} {name}: '
                f'{time.perf_counter() - start:.2f} s',
                flush=True)

    scfa_name = next(iter(models))
    scfa_rate = args.batch_size * args.steps / sum(seconds[scfa_name])
    print(f'\nCPU, {torch.get_num_threads()} threads, batch of '
          f'{args.batch_size} videos, {args.steps} timed steps each\n')
    print('| model | images/video | params (M) | GFLOPs/video | '
          'train videos/s | SCFA speed-up |')
    print('|---|---|---|---|---|---|')
    for name, row in rows.items():
        rate = args.batch_size * args.steps / sum(seconds[name])
        print(f'| {name} | {row["images"]} | {row["params_m"]:.2f} | '
              f'{row["gflops"]:.2f} | {rate:.3f} | {scfa_rate / rate:.2f}x |')


if __name__ == '__main__':
    main()
