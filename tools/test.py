"""Evaluate a checkpoint with MMEngine's Runner (MMAction2's test tool, with
the scfa_mm plugin imported and CPU-only machines supported).

Examples:
    python tools/test.py configs/scfa_hmdb51.py work_dirs/scfa_hmdb51/best.pth
    python tools/test.py CONFIG CKPT --dump results.pkl
    tools/dist_test.sh CONFIG CKPT 4
"""
import argparse

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
from mmengine.config import Config
from runner_utils import add_runner_arguments, load_runner_config, run_runner


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a recognizer')
    add_runner_arguments(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump', help='also dump the predictions to this .pkl file')
    return parser.parse_args()


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must be a .pkl file, got {args.dump}')
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [
            *evaluators,
            dict(type='DumpResults', out_file_path=args.dump)
        ]
    cfg.load_from = args.checkpoint
    return cfg


def main() -> None:
    args = parse_args()
    run_runner(merge_args(load_runner_config(args), args), args, 'test')


if __name__ == '__main__':
    main()
