"""What ``tools/train.py`` and ``tools/test.py`` share: their common
arguments and the run of MMEngine's Runner with the plugin's runtime
set-up (checks before any rank starts, stalled ranks named, a clean
shutdown of the process group)."""
import argparse
import os
import os.path as osp

import torch.distributed as torch_dist
from mmengine.config import Config, DictAction
from mmaction.registry import RUNNERS
from mmengine.dist import is_distributed

from ..utils.checkpoint import (UNSAFE_LOADING_FLAG,
                                allow_unsafe_checkpoint_loading)
from ..utils.runtime import KnownLogNoiseFilter, check_pretrained_weights
from ..utils.stalled_ranks import report_stalled_ranks
from .checked_runner import CheckedRunner


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments that ``tools/train.py`` and ``tools/test.py`` share."""
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--work-dir',
        help='where to save logs, checkpoints and metrics '
        '(default: work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'train_dataloader.batch_size=8)')
    parser.add_argument(
        '--launcher',
        default='none',
        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument(
        UNSAFE_LOADING_FLAG,
        action='store_true',
        help='load checkpoints with full unpickling, which runs any code a '
        'crafted file names: only for checkpoints you trust that '
        'weights-only loading (the default) refuses')


def load_runner_config(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with the launcher and work dir set."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if args.unsafe_load_pickled_checkpoints:
        allow_unsafe_checkpoint_loading()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def run_runner(cfg: Config, args: argparse.Namespace, mode: str) -> None:
    """Apply ``--cfg-options``, build the config's runner (the plugin's
    ``CheckedRunner`` unless the config names another: it fits the config
    to the machine and checks data, labels, pretrained weights and
    checkpoints before the run), then ``train()`` or ``test()``.

    Args:
        cfg (Config): The config, with the tool's own options applied.
        args (argparse.Namespace): With ``cfg_options``.
        mode (str): ``'train'`` or ``'test'``.
    """
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.setdefault('runner_type', 'CheckedRunner')
    runner_class = RUNNERS.get(cfg.runner_type)
    if isinstance(runner_class, type) \
            and issubclass(runner_class, CheckedRunner):
        # before the Runner makes its work dir: missing data leaves nothing
        runner_class.check_data(cfg, mode)
        if mode == 'train' and int(os.environ.get('RANK', 0)) == 0:
            # and before the other ranks wait for this one: offline, the
            # launcher then stops them, and the reason is the last word
            check_pretrained_weights(cfg)
    runner = RUNNERS.build(cfg)
    runner.logger.addFilter(KnownLogNoiseFilter())
    timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
    with report_stalled_ranks(timeout):
        runner.train() if mode == 'train' else runner.test()
    if is_distributed():
        # Every rank done before any tears the group down: a rank that
        # exits while a peer is still in a collective aborts the peer.
        torch_dist.barrier()
        torch_dist.destroy_process_group()
