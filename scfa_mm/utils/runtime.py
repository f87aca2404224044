"""Runtime set-up of training and testing: CPU fallbacks, checkpoint
loading on new torch, and a data check before the Runner starts."""
import copy
import logging
import os
import os.path as osp
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch
import torch.distributed as torch_dist
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def workers_per_process(max_workers: int = 16) -> int:
    """Data workers for one training process: the CPU cores this process
    may use, less one core for the process itself; at least 1, at most
    ``max_workers``. Under torchrun the processes of a node share its cores
    (divided by ``LOCAL_WORLD_SIZE``); a Slurm task already has its own
    (``--cpus-per-task``)."""
    cores = len(os.sched_getaffinity(0))
    processes = 1 if 'SLURM_CPUS_PER_TASK' in os.environ else int(
        os.environ.get('LOCAL_WORLD_SIZE', 1))
    per_process = cores // processes
    return max(1, min(max_workers, per_process - 1))


def adapt_to_available_device(cfg: Config) -> Config:
    """Fit a config to this machine.

    - ``num_workers='auto'`` in a dataloader becomes
      :func:`workers_per_process`.
    - Without CUDA: distributed runs use the gloo backend (NCCL needs GPUs),
      DDP wraps the model without ``device_ids`` (which DDP only accepts for
      GPU modules), with ``launcher='pytorch'`` the process group is
      initialised here (MMEngine's ``init_dist`` for that launcher selects a
      CUDA device first), ``pin_memory`` is turned off (there is no device
      memory to pin for) and ``sync_bn`` is dropped (PyTorch's SyncBatchNorm
      runs on GPUs only).
    """
    for key in DATALOADERS:
        loader = cfg.get(key)
        if loader and loader.get('num_workers') == 'auto':
            loader.num_workers = workers_per_process()
    if torch.cuda.is_available():
        return cfg
    for key in DATALOADERS:
        if cfg.get(key):
            cfg[key].pin_memory = False
    if cfg.get('sync_bn'):
        print_log(
            f'sync_bn={cfg.sync_bn!r} dropped: synchronised BatchNorm needs '
            'GPUs',
            logger='current')
        cfg.sync_bn = None
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


def _dataset_cfg(loader: dict) -> dict:
    """The innermost dataset config of a dataloader config (through
    RepeatDataset and other wrappers)."""
    dataset = loader['dataset']
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset


def check_labels(cfg: Config, dataloaders: Sequence[str]) -> None:
    """Fail before training or testing starts if a label is out of range.

    Reads every annotation list of the named dataloaders and checks each
    label against the model's ``cls_head.num_classes`` (nothing to check
    without one). A label outside ``[0, num_classes)`` would otherwise fail
    deep inside the loss in training without naming the video, and pass
    silently in testing.

    Raises:
        ValueError: Naming the annotation file, the line, the video, the
            label and the allowed range (up to 10 bad lines).
    """
    num_classes = cfg.get('model', {}).get('cls_head', {}).get('num_classes')
    if num_classes is None:
        return
    for key in dataloaders:
        loader = cfg.get(key)
        if not loader:
            continue
        dataset_cfg = copy.deepcopy(_dataset_cfg(loader))
        dataset_cfg.update(pipeline=[], lazy_init=False)
        dataset = DATASETS.build(dataset_cfg)
        bad = []
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            labels = np.atleast_1d(np.asarray(info.get('label', [])))
            if ((labels < 0) | (labels >= num_classes)).any():
                source = info.get('filename', info.get('frame_dir'))
                bad.append(f'line {index + 1} ({source}): label '
                           f'{labels.tolist()}')
        if bad:
            shown = '\n  '.join(bad[:10])
            more = f'\n  ... and {len(bad) - 10} more' if len(bad) > 10 \
                else ''
            raise ValueError(
                f'{key}.dataset.ann_file = {dataset_cfg.get("ann_file")!r}: '
                f'{len(bad)} label(s) outside [0, {num_classes}) '
                f'(model.cls_head.num_classes = {num_classes}); -1 marks a '
                f'line without a label:\n  {shown}{more}')


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
        dataset = _dataset_cfg(loader)
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


class KnownLogNoiseFilter(logging.Filter):
    """Drops MMEngine log warnings that no setting of a user removes: its
    own ``CheckpointHook`` builds a deprecated ``FileClient`` on every run,
    and its ``DumpResults`` metric (``tools/test.py --dump``) takes no
    prefix yet warns that none is set."""

    noise = ('"FileClient" will be deprecated',
             '"HardDiskBackend" is the alias of "LocalBackend"',
             'The prefix is not set in metric class DumpResults')

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in self.noise)
