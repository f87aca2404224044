"""Size, compute and training speed of SCFA next to TSN-ResNet-50.

Builds the default SCFA model (configs/scfa_hmdb51.py: ResNet-50, 2 views
of one 224x224 grid each) and MMAction2's TSN ResNet-50 with 16 segments
(16 frames of 224x224 per video, the stock way of showing a 2D CNN 16
frames), both with random weights and 51 classes. It prints parameters and
GFLOPs per video (MMEngine's complexity analysis, which counts one
multiply-add as one FLOP), then times full training steps (forward,
backward, Adam step, through MMEngine's optimiser wrappers) on random
inputs, the variants alternating so that load on the machine affects all
alike.

Variants (``--precisions``): ``fp32``; ``bf16`` (BFloat16OptimWrapper:
bfloat16 autocast, no loss scaling); ``bf16-cl`` (bf16 with channels-last
memory format, SCFA only). On a GPU, steps are timed between device
synchronisations.

Examples:
    python tools/analysis/benchmark_training.py --batch-size 2 --steps 3
    python tools/analysis/benchmark_training.py --device cuda \
        --batch-size 64 --steps 20 --precisions fp32 bf16 bf16-cl
"""
import argparse
import os.path as osp
import time
from typing import Dict, List, Tuple

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
import torch
from mmaction.registry import OPTIM_WRAPPERS
from mmaction.structures import ActionDataSample
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.utils import build_untrained_model, video_complexity

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

WRAPPERS = dict(fp32='OptimWrapper', bf16='BFloat16OptimWrapper')


def build_models(num_classes: int, precisions: List[str],
                 device: str) -> Dict[str, Tuple]:
    """name -> (model, images per video, optimiser wrapper type)."""
    scfa_cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'scfa_hmdb51.py'))
    scfa_cfg.model.cls_head.num_classes = num_classes
    tsn_cfg = Config.fromstring(
        "_base_ = 'mmaction::_base_/models/tsn_r50.py'", '.py')
    tsn_cfg.model.cls_head.update(
        # the stock head's accuracy runs in numpy, which has no bfloat16
        num_classes=num_classes,
        type='TSNHeadOnDevice')
    models = {}
    for precision in precisions:
        wrapper = WRAPPERS[precision.split('-')[0]]
        channels_last = precision.endswith('-cl')
        scfa = build_untrained_model(
            dict(scfa_cfg.model, channels_last=channels_last))
        models[f'SCFA R50, 2 grids, {precision}'] = (scfa, 2, wrapper)
        if not channels_last:
            models[f'TSN R50, 16 segments, {precision}'] = (
                build_untrained_model(tsn_cfg.model), 16, wrapper)
    for model, _, _ in models.values():
        model.init_weights()
        model.to(device)
    return models


def make_batch(model, batch_size, num_images, num_classes):
    inputs = [
        torch.randint(0, 256, (num_images, 3, 224, 224), dtype=torch.uint8)
        for _ in range(batch_size)
    ]
    samples = [
        ActionDataSample().set_gt_label(i % num_classes)
        for i in range(batch_size)
    ]
    return dict(inputs=inputs, data_samples=samples)


def synchronize(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


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
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--precisions',
        nargs='+',
        choices=['fp32', 'bf16', 'bf16-cl'],
        default=['fp32'])
    args = parser.parse_args()
    init_default_scope('mmaction')
    torch.manual_seed(0)
    if args.device == 'cuda':
        torch.backends.cudnn.benchmark = True
    models = build_models(args.num_classes, args.precisions, args.device)

    rows: Dict[str, Dict] = {}
    for name, (model, num_images, _) in models.items():
        rows[name] = dict(
            images=num_images,
            **video_complexity(model.cpu(), (num_images, 3, 224, 224)))
        model.to(args.device)

    wrappers = {
        name:
        OPTIM_WRAPPERS.build(
            dict(
                type=wrapper,
                optimizer=torch.optim.Adam(model.parameters(), lr=1e-4)))
        for name, (model, _, wrapper) in models.items()
    }
    seconds: Dict[str, List[float]] = {name: [] for name in models}
    for step in range(args.steps + 1):
        for name, (model, num_images, _) in models.items():
            model.train()
            data = make_batch(model, args.batch_size, num_images,
                              args.num_classes)
            synchronize(args.device)
            start = time.perf_counter()
            model.train_step(data, wrappers[name])
            synchronize(args.device)
            if step > 0:  # the first step warms up allocators and kernels
                seconds[name].append(time.perf_counter() - start)
            print(
                f'step {step}/{args.steps} {name}: '
                f'{time.perf_counter() - start:.2f} s',
                flush=True)

    where = torch.cuda.get_device_name() if args.device == 'cuda' else \
        f'CPU, {torch.get_num_threads()} threads'
    first = next(iter(models))
    first_rate = args.batch_size * args.steps / sum(seconds[first])
    print(f'\n{where}, batch of {args.batch_size} videos, {args.steps} '
          'timed steps each (data preprocessing on the device included)\n')
    print('| model | images/video | params (M) | GFLOPs/video | '
          'train videos/s | train images/s | relative to first row |')
    print('|---|---|---|---|---|---|---|')
    for name, row in rows.items():
        rate = args.batch_size * args.steps / sum(seconds[name])
        print(f'| {name} | {row["images"]} | {row["params_m"]:.2f} | '
              f'{row["gflops"]:.2f} | {rate:.3f} | '
              f'{rate * row["images"]:.1f} | {rate / first_rate:.2f}x |')


if __name__ == '__main__':
    main()
