"""Train a recognizer with MMEngine's Runner (MMAction2's train tool, with
the scfa_mm plugin imported and CPU-only machines supported).

Examples:
    python tools/train.py configs/scfa_hmdb51.py
    python tools/train.py configs/scfa_hmdb51.py --resume
    tools/dist_train.sh configs/scfa_hmdb51.py 4
"""
import argparse
import importlib.util
import inspect
from typing import List, Sequence

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from scfa_mm.datasets.skip_unreadable import skip_unreadable_in_config
from scfa_mm.engine.launch import (add_runner_arguments, load_runner_config,
                                   run_runner)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a recognizer')
    add_runner_arguments(parser)
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, without a path, from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision on the GPU: bfloat16 where the GPU supports '
        'it (no loss scaling), float16 with dynamic loss scaling otherwise; '
        'also runs the backbone channels-last where the model has that '
        'option and the config does not set it')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the batch size')
    parser.add_argument(
        '--vis-backends',
        nargs='+',
        choices=sorted(VIS_BACKENDS),
        help='where training curves go (default: the config\'s, local: '
        '<work_dir>/<timestamp>/vis_data/scalars.json, which '
        'tools/analysis/plot_curves.py reads); e.g. --vis-backends local '
        'tensorboard')
    parser.add_argument(
        '--skip-unreadable',
        type=float,
        metavar='SHARE',
        help='replace training videos that cannot be read (logged by name) '
        'by the next readable one instead of stopping; stop anyway past '
        'this share of the data, e.g. 0.01 (default: stop at the first)')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic CUDNN options')
    return parser.parse_args()


# --vis-backends: MMEngine's backend and the package it needs, if any
VIS_BACKENDS = {
    'local': ('LocalVisBackend', None),
    'tensorboard': ('TensorboardVisBackend', 'tensorboard'),
    'wandb': ('WandbVisBackend', 'wandb'),
}


def vis_backends(names: Sequence[str]) -> List[dict]:
    """The ``visualizer.vis_backends`` of ``--vis-backends``; a backend
    whose package is missing is an error saying what to install (MMEngine
    would only fail at the first logged value)."""
    backends = []
    for name in names:
        backend, package = VIS_BACKENDS[name]
        if package is not None and importlib.util.find_spec(package) is None:
            raise SystemExit(f'--vis-backends {name} needs the {package} '
                             f'package: pip install {package}')
        backends.append(dict(type=backend))
    return backends


def accepts_argument(model_class: type, name: str) -> bool:
    """Whether ``model_class(name=...)`` is accepted: some ``__init__`` of
    its classes names it before one without ``**kwargs`` ends the chain."""
    for klass in model_class.__mro__:
        if '__init__' not in vars(klass):
            continue
        parameters = inspect.signature(klass.__init__).parameters
        if name in parameters:
            return True
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            return False
    return False


def enable_channels_last(model_cfg: dict) -> bool:
    """Turn on ``channels_last`` for a model that has the option (SCFA,
    CVRL) and whose config leaves it unset: with mixed precision,
    channels-last convolutions are the fast path (docs/performance.md,
    measured on a GPU). Returns whether it was turned on."""
    model_class = MODELS.get(model_cfg['type'])
    if 'channels_last' in model_cfg or model_class is None \
            or not accepts_argument(model_class, 'channels_last'):
        return False
    model_cfg['channels_last'] = True
    return True


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    if args.skip_unreadable is not None:
        # --cfg-options first: they name the dataset's keys as the config
        # has them, before the dataset is wrapped
        if args.cfg_options is not None:
            cfg.merge_from_dict(args.cfg_options)
            args.cfg_options = None
        skip_unreadable_in_config(cfg, args.skip_unreadable,
                                  ('train_dataloader', 'val_dataloader'))
    if args.vis_backends:
        cfg.visualizer.vis_backends = vis_backends(args.vis_backends)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        if not torch.cuda.is_available():
            raise SystemExit('--amp trains in mixed precision on a CUDA GPU, '
                             'and this machine has none: run without --amp.')
        if torch.cuda.is_bf16_supported():
            # bf16 keeps fp32's range: no loss scaling needed
            cfg.optim_wrapper.type = 'BFloat16OptimWrapper'
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.update(dtype='float16', loss_scale='dynamic')
        enable_channels_last(cfg.model)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if cfg.get('randomness') is None:
        cfg.randomness = dict(seed=args.seed, deterministic=args.deterministic)
    return cfg


def main() -> None:
    args = parse_args()
    run_runner(merge_args(load_runner_config(args), args), args, 'train')


if __name__ == '__main__':
    main()
