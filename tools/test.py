"""Evaluate a checkpoint with MMEngine's Runner (MMAction2's test tool, with
the scfa_mm plugin imported and CPU-only machines supported).

Examples:
    python tools/test.py configs/scfa_hmdb51.py work_dirs/scfa_hmdb51/best.pth
    python tools/test.py CONFIG CKPT --dump results.pkl
    tools/dist_test.sh CONFIG CKPT 4
"""
import argparse
import os
import os.path as osp

import torch.distributed as torch_dist
from mmengine.config import Config, DictAction
from mmengine.dist import is_distributed
from mmengine.runner import Runner

import scfa_mm  # noqa: F401  (registers the plugin's components)
from scfa_mm.utils import (adapt_to_available_device,
                           allow_full_checkpoint_loading, check_data_exists)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where to save the metrics')
    parser.add_argument(
        '--dump', type=str, help='also dump the predictions to this .pkl file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    parser.add_argument(
        '--launcher',
        default='none',
        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must be a .pkl file, got {args.dump}')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators, dump]
    cfg.load_from = args.checkpoint
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return adapt_to_available_device(cfg)


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_data_exists(cfg, ('test_dataloader', ))
    allow_full_checkpoint_loading()
    Runner.from_cfg(cfg).test()
    if is_distributed():
        # Every rank done before any tears the group down: a rank that
        # exits while a peer is still in a collective aborts the peer.
        torch_dist.barrier()
        torch_dist.destroy_process_group()


if __name__ == '__main__':
    main()
