"""Runtime set-up of training and testing: CPU fallbacks and checks of
the config and data before the Runner starts."""
import copy
import logging
import os
import os.path as osp
from datetime import timedelta
from typing import Any, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

import numpy as np
import torch
import torch.distributed as torch_dist
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.logging import print_log

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
        timeout = cfg.env_cfg.dist_cfg.get('timeout')
        torch_dist.init_process_group(
            backend='gloo',
            timeout=None if timeout is None else timedelta(seconds=timeout))
    return cfg


def innermost_dataset_cfg(loader: dict) -> dict:
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
        dataset_cfg = copy.deepcopy(innermost_dataset_cfg(loader))
        dataset_cfg.update(pipeline=[], lazy_init=False)
        dataset = DATASETS.build(dataset_cfg)
        classes = dataset.metainfo.get('classes')
        if isinstance(classes, (list, tuple)) \
                and len(classes) != num_classes:
            raise ValueError(
                f'{key}.dataset.metainfo.classes names {len(classes)} '
                f'classes and model.cls_head.num_classes = {num_classes}: '
                'they must agree (the checkpoint stores the names as the '
                'model\'s class names)')
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


def _rooted(dataset: dict, path: Optional[str]) -> Optional[str]:
    """``path`` as the dataset reads it: joined to ``data_root`` unless
    absolute (MMEngine's ``BaseDataset._join_prefix``)."""
    root = dataset.get('data_root')
    if path and root and not osp.isabs(path) and '://' not in path:
        return osp.join(root, path)
    return path


def check_data_exists(cfg: Config, dataloaders: Sequence[str]) -> None:
    """Fail before training or testing starts if a dataset path is missing
    or an annotation list is bad.

    Checks ``ann_file``, every ``data_prefix`` and a class-name file
    (``metainfo.classes``) of the named dataloaders' datasets (through
    dataset wrappers) and names the missing path, the config key, and the
    config's ``data_preparation`` command; then reads each list
    (:func:`check_annotation_lists`): its format, and that every listed
    video or frame folder exists.

    Raises:
        FileNotFoundError: If a path does not exist.
        AnnotationListError: If a list has a bad line.
    """
    missing = []
    for key in dataloaders:
        loader = cfg.get(key)
        if not loader:
            continue
        dataset = innermost_dataset_cfg(loader)
        paths = [('ann_file', _rooted(dataset, dataset.get('ann_file')))]
        paths += [(f'data_prefix.{name}', _rooted(dataset, path))
                  for name, path in dataset.get('data_prefix', {}).items()]
        # a file of class names (MMEngine reads a metainfo value that names
        # a file; it keeps a missing file's name as the value, silently)
        classes = (dataset.get('metainfo') or {}).get('classes')
        if isinstance(classes, str):
            paths.append(('metainfo.classes', classes))
        for name, path in paths:
            if path and not osp.exists(path):
                missing.append(f'{key}.dataset.{name} = {path!r}')
    if missing:
        raise FileNotFoundError('dataset paths not found (relative to '
                                f'{osp.abspath(".")}):\n  ' +
                                '\n  '.join(missing) +
                                f'\nPrepare the data with:\n  '
                                f'{_preparation(cfg)}')
    check_annotation_lists(cfg, dataloaders)


def _preparation(cfg: Config) -> str:
    return cfg.get('data_preparation', 'see the dataset section of the config')


def dataset_list_format(dataset: dict) -> Optional[Tuple[Any, str]]:
    """How the dataset of ``dataset`` (a config) reads its list and the
    ``data_prefix`` key of its paths; None for other datasets."""
    from mmaction.datasets import RawframeDataset, VideoDataset

    from ..datasets.annotations import ListFormat
    kind = dataset.get('type')
    cls = DATASETS.get(kind) if isinstance(kind, str) else kind
    if not isinstance(cls, type):
        return None
    multi_class = bool(dataset.get('multi_class', False))
    if issubclass(cls, RawframeDataset):
        return ListFormat(
            rawframes=True,
            multi_class=multi_class,
            with_offset=bool(dataset.get('with_offset', False))), 'img'
    if issubclass(cls, VideoDataset):
        return ListFormat(
            multi_class=multi_class, delimiter=dataset.get('delimiter',
                                                           ' ')), 'video'
    return None


def check_annotation_lists(cfg: Config, dataloaders: Sequence[str]) -> None:
    """Fail before training or testing starts if an annotation list has a
    bad line or names a missing video or frame folder.

    Reads the list of each named dataloader's ``VideoDataset`` or
    ``RawframeDataset`` (other datasets are left alone) with
    :func:`~scfa_mm.datasets.annotations.parse_annotation_list`, which
    accepts what MMAction2's parser reads correctly and names every other
    line; then checks that each listed path stays inside ``data_prefix``
    (unless the top-level config key ``allow_paths_outside_data_prefix`` is
    True) and exists (``os.path.exists`` only: decoding every video is
    ``tools/data/check_videos.py``'s job). Lists on remote storage (a
    ``data_prefix`` with ``://``) are parsed but not checked for existence.

    Raises:
        AnnotationListError: Naming the config key, the file, and up to 10
            bad lines (number, reason, line) with the expected format.
        FileNotFoundError: Naming the config key, the list, up to 10
            missing paths with their line numbers, and how many are missing.
    """
    from ..datasets.annotations import parse_annotation_list
    allow_outside = bool(cfg.get('allow_paths_outside_data_prefix', False))
    for key in dataloaders:
        loader = cfg.get(key)
        if not loader:
            continue
        dataset = innermost_dataset_cfg(loader)
        found = dataset_list_format(dataset)
        if found is None or not dataset.get('ann_file'):
            continue
        fmt, prefix_key = found
        ann_file = _rooted(dataset, dataset['ann_file'])
        prefix = _rooted(dataset, (dataset.get('data_prefix')
                                   or {}).get(prefix_key, ''))
        entries = parse_annotation_list(
            ann_file,
            fmt,
            prefix,
            allow_outside,
            where=f'{key}.dataset.ann_file: ')
        if prefix and '://' in prefix:
            continue
        missing = [(entry.line, osp.join(prefix or '', entry.path))
                   for entry in entries
                   if not osp.exists(osp.join(prefix or '', entry.path))]
        if missing:
            shown = '\n  '.join(f'line {line}: {path}'
                                for line, path in missing[:10])
            more = f'\n  ... and {len(missing) - 10} more' \
                if len(missing) > 10 else ''
            raise FileNotFoundError(
                f'{key}.dataset.ann_file = {ann_file!r}: {len(missing)} of '
                f'{len(entries)} listed '
                f'{"frame folders" if fmt.rawframes else "videos"} not '
                f'found (data_prefix.{prefix_key} = {prefix!r}, relative to '
                f'{osp.abspath(".")}):\n  {shown}{more}\n'
                'Prepare the data with:\n  '
                f'{_preparation(cfg)}\nor leave them out of the list '
                '(tools/data/check_videos.py writes a list of the good '
                'entries).')


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


def _weight_sources(module_cfg: Any, key: str = 'model') -> List[tuple]:
    """``(config key, source)`` of every pretrained-weight source in a
    model config: ``pretrained=`` strings and ``init_cfg`` entries of type
    ``Pretrained``, at any depth."""
    sources = []
    if isinstance(module_cfg, dict):
        for name, value in module_cfg.items():
            if name == 'pretrained' and isinstance(value, str):
                sources.append((f'{key}.pretrained', value))
            elif name == 'init_cfg':
                for index, init in enumerate(
                        value if isinstance(value, list) else [value]):
                    if isinstance(init, dict) \
                            and init.get('type') == 'Pretrained' \
                            and isinstance(init.get('checkpoint'), str):
                        where = f'{key}.init_cfg' + (
                            f'[{index}]' if isinstance(value, list) else '')
                        sources.append(
                            (f'{where}.checkpoint', init['checkpoint']))
            else:
                sources += _weight_sources(value, f'{key}.{name}')
    elif isinstance(module_cfg, (list, tuple)):
        for index, value in enumerate(module_cfg):
            sources += _weight_sources(value, f'{key}[{index}]')
    return sources


def weight_url_and_cache(source: str) -> Optional[Tuple[str, str]]:
    """The download URL of a ``torchvision://`` or ``http(s)://`` weight
    source and the file MMEngine loads it from once downloaded (torch's hub
    cache), or None for other sources (local files, other schemes)."""
    if source.startswith('torchvision://'):
        from mmengine.runner.checkpoint import get_torchvision_models
        url = get_torchvision_models().get(source[len('torchvision://'):])
        if url is None:
            return None
    elif source.startswith(('http://', 'https://')):
        url = source
    else:
        return None
    name = osp.basename(urlparse(url).path)
    return url, osp.join(torch.hub.get_dir(), 'checkpoints', name)


def _download(url: str, cache_file: str) -> Optional[str]:
    """Download ``url`` to ``cache_file``; the reason it failed, or None."""
    os.makedirs(osp.dirname(cache_file), exist_ok=True)
    try:
        torch.hub.download_url_to_file(url, cache_file, progress=True)
    except Exception as error:  # URLError, HTTPError, timeouts, disk
        return f'{type(error).__name__}: {error}'
    return None


def check_pretrained_weights(cfg: Config) -> None:
    """Fail before training starts if a pretrained-weight source of the
    model cannot be had.

    A local file (``pretrained='checkpoints/x.pth'``, an ``init_cfg`` of
    type ``Pretrained``) must exist. A ``torchvision://`` or URL source
    must be in torch's cache or be downloaded now: without internet the
    Runner would otherwise die inside weight initialisation, its reason
    buried under the distributed launcher's errors. In a distributed run
    rank 0 downloads first and the others wait for it (every rank runs the
    same collectives whatever its cache holds); a rank whose cache still
    lacks the file (another node's disk) downloads it itself.

    Raises:
        FileNotFoundError: One paragraph: the config key, the source, for a
            download its URL, the reason, the cache file to place by hand,
            and the override that trains from scratch.
    """
    from mmengine.dist import barrier, get_rank
    problems = []
    for key, source in _weight_sources(cfg.get('model', {})):
        download = weight_url_and_cache(source)
        if download is None:
            if '://' not in source and not osp.isfile(source):
                problems.append(
                    f'{key} = {source!r} is not a file (relative to '
                    f'{osp.abspath(".")}). Place the checkpoint there, or '
                    f'train from scratch with --cfg-options {key}=None.')
            continue
        url, cache_file = download
        reason = None
        if get_rank() == 0 and not osp.isfile(cache_file):
            reason = _download(url, cache_file)
        barrier()
        if reason is None and not osp.isfile(cache_file):
            reason = _download(url, cache_file)
        if reason is not None:
            problems.append(
                f'{key} = {source!r} needs {url}, which is not in torch\'s '
                f'cache and could not be downloaded ({reason}). Download '
                f'it on a machine with internet and place it at '
                f'{cache_file} (file name {osp.basename(cache_file)}; '
                'TORCH_HOME moves the cache), or train from scratch with '
                f'--cfg-options {key}=None.')
    if problems:
        raise FileNotFoundError('pretrained weights not available: ' +
                                ' '.join(problems))
