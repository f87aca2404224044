"""Evaluate a checkpoint with MMEngine's Runner (MMAction2's test tool, with
the scfa_mm plugin imported and CPU-only machines supported).

Examples:
    python tools/test.py configs/scfa_hmdb51.py work_dirs/scfa_hmdb51/best.pth
    python tools/test.py CONFIG CKPT --dump results.pt
    python tools/test.py CONFIG CKPT --skip-unreadable 0.01
    tools/dist_test.sh CONFIG CKPT 4
"""
import argparse

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
from mmengine.config import Config

from scfa_mm.datasets.skip_unreadable import skip_unreadable_in_config
from scfa_mm.engine.launch import (add_runner_arguments, load_runner_config,
                                   run_runner)
from scfa_mm.evaluation.safe_dump import DUMP_SUFFIXES


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a recognizer')
    add_runner_arguments(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump',
        help='also dump the predictions to this .pt file (tensors, numbers '
        'and strings, which the analysis tools read without unpickling)')
    parser.add_argument(
        '--skip-unreadable',
        type=float,
        metavar='SHARE',
        help='leave out test videos that cannot be read (logged by name, '
        'counted as data/skipped_unreadable) instead of stopping; stop '
        'anyway past this share of the test set, e.g. 0.01')
    return parser.parse_args()


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    if args.dump is not None:
        if not args.dump.endswith(DUMP_SUFFIXES):
            raise ValueError(
                f'--dump must name a {" or ".join(DUMP_SUFFIXES)} file (a '
                f'torch.save of tensors, read weights-only; dumps are no '
                f'longer pickles), got {args.dump}')
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [
            *evaluators,
            dict(type='SafeDumpResults', out_file_path=args.dump)
        ]
    if args.skip_unreadable is not None:
        # --cfg-options first: they name the dataset's keys as the config
        # has them, before the dataset is wrapped
        if args.cfg_options is not None:
            cfg.merge_from_dict(args.cfg_options)
            args.cfg_options = None
        skip_unreadable_in_config(cfg, args.skip_unreadable,
                                  ('test_dataloader', ))
    cfg.load_from = args.checkpoint
    return cfg


def main() -> None:
    args = parse_args()
    run_runner(merge_args(load_runner_config(args), args), args, 'test')


if __name__ == '__main__':
    main()
