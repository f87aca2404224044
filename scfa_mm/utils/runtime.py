"""Runtime set-up shared by tools/train.py and tools/test.py."""
import argparse
import os
import os.path as osp
from typing import Any, Dict, Optional, Sequence

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, DictAction
from mmengine.dist import is_distributed
from mmengine.runner import CheckpointLoader, Runner


def adapt_to_available_device(cfg: Config) -> Config:
    """Let a GPU config run on a CPU-only machine.

    Without CUDA, distributed runs use the gloo backend (NCCL needs GPUs),
    DDP wraps the model without ``device_ids`` (which DDP only accepts for
    GPU modules), and with ``launcher='pytorch'`` the process group is
    initialised here, because MMEngine's ``init_dist`` for that launcher
    selects a CUDA device first.
    """
    if torch.cuda.is_available():
        return cfg
    cfg.setdefault('env_cfg', dict()).setdefault('dist_cfg', dict())
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    launcher = cfg.get('launcher', 'none')
    if launcher != 'none':
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel')
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper
    if launcher == 'pytorch' and not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    return cfg


def load_local_checkpoint_unrestricted(filename: str,
                                       map_location: Optional[str] = None
                                       ) -> Dict[str, Any]:
    """Load a local MMEngine checkpoint with full unpickling.

    torch >= 2.6 loads with ``weights_only=True`` by default, which rejects
    the training state that MMEngine stores next to the weights (the message
    hub's ``HistoryBuffer`` keeps bound methods, rebuilt with ``getattr``,
    which no allow-list can make safe). Only load checkpoints you trust.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def allow_full_checkpoint_loading() -> None:
    """Make MMEngine load local checkpoints as it did before torch 2.6.

    Called by ``tools/train.py`` (for ``--resume``) and ``tools/test.py``:
    both load checkpoints the user names, typically from their own work
    directory. Remote and ``torchvision://`` weights are not affected.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint_unrestricted, force=True)


def check_data_exists(cfg: Config, dataloaders: Sequence[str]) -> None:
    """Fail before training or testing starts if a dataset path is missing.

    Checks ``ann_file`` and every ``data_prefix`` of the named dataloaders'
    datasets (through dataset wrappers) and names the missing path, the
    config key, and the config's ``data_preparation`` command.

    Raises:
        FileNotFoundError: If a path does not exist.
    """
    missing = []
    for key in dataloaders:
        loader = cfg.get(key)
        if not loader:
            continue
        dataset = loader['dataset']
        while 'dataset' in dataset:  # RepeatDataset and other wrappers
            dataset = dataset['dataset']
        paths = [('ann_file', dataset.get('ann_file'))]
        paths += [(f'data_prefix.{name}', path)
                  for name, path in dataset.get('data_prefix', {}).items()]
        for name, path in paths:
            if path and not osp.exists(path):
                missing.append(f'{key}.dataset.{name} = {path!r}')
    if missing:
        how = cfg.get('data_preparation',
                      'see the dataset section of the config')
        raise FileNotFoundError('dataset paths not found (relative to '
                                f'{osp.abspath(".")}):\n  ' +
                                '\n  '.join(missing) +
                                f'\nPrepare the data with:\n  {how}')


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


def load_runner_config(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with the launcher and work dir set."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def run_runner(cfg: Config, args: argparse.Namespace, mode: str) -> None:
    """Apply ``--cfg-options`` and the CPU fallbacks, check the data, then
    build MMEngine's Runner and ``train()`` or ``test()``.

    Args:
        cfg (Config): The config, with the tool's own options applied.
        args (argparse.Namespace): With ``cfg_options``.
        mode (str): ``'train'`` (checks the train and val data) or
            ``'test'`` (checks the test data).
    """
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    adapt_to_available_device(cfg)
    check_data_exists(cfg, ('train_dataloader',
                            'val_dataloader') if mode == 'train' else
                      ('test_dataloader', ))
    allow_full_checkpoint_loading()
    runner = Runner.from_cfg(cfg)
    runner.train() if mode == 'train' else runner.test()
    if is_distributed():
        # Every rank done before any tears the group down: a rank that
        # exits while a peer is still in a collective aborts the peer.
        torch_dist.barrier()
        torch_dist.destroy_process_group()
