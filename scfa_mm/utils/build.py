"""Building models and reading test dumps for tools and tests."""
import argparse
import copy
import io
import pickle
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmaction.registry import MODELS
from mmengine import fileio
from mmengine.config import Config, ConfigDict
from torch import nn

# Tells a dump of SafeDumpResults from other torch.save files.
DUMP_FORMAT = 'scfa_mm.test_dump.v1'


def build_untrained_model(model_cfg: dict) -> nn.Module:
    """Build a model config with random weights.

    Configs for real use name pretrained weights (``pretrained``, or a
    ``Pretrained`` ``init_cfg`` of the backbone or of a module inside it,
    such as CARL's image backbone), which cannot be
    downloaded or may not exist yet; tools that measure a model's size or
    speed, and tests, need only its structure. The config is not changed.
    """
    model_cfg = ConfigDict(copy.deepcopy(model_cfg))
    backbone = model_cfg.get('backbone')
    if backbone is not None:
        _drop_pretrained(backbone)
    return MODELS.build(model_cfg)


def build_model_to_evaluate(model_cfg: dict,
                            checkpoint: Optional[str] = None,
                            seed: int = 0) -> nn.Module:
    """The model of ``model_cfg`` in eval mode: with the weights of
    ``checkpoint``, or, without one, at the random initialisation that
    ``tools/train.py`` starts from with ``seed`` (seed, build,
    ``init_weights``), the untrained control of an evaluation."""
    from mmengine.runner import load_checkpoint, set_random_seed

    from .checkpoint import use_checkpoint_loader
    set_random_seed(seed)
    model = build_untrained_model(model_cfg)
    model.init_weights()
    if checkpoint is not None:
        use_checkpoint_loader()
        # to the current logger, not stdout (a tool may print results there)
        load_checkpoint(
            model, checkpoint, map_location='cpu', logger='current')
    return model.eval()


def load_model_to_evaluate(config: str,
                           checkpoint: Optional[str] = None,
                           seed: int = 0) -> Tuple[nn.Module, Config]:
    """The model of the config file ``config`` as
    :func:`build_model_to_evaluate` builds it, and the config."""
    cfg = Config.fromfile(config)
    return build_model_to_evaluate(cfg.model, checkpoint, seed), cfg


def _drop_pretrained(module_cfg: dict) -> None:
    """Drop weight sources from a backbone config and the module configs
    inside it (e.g. CARL's image backbone), in place."""
    if 'pretrained' in module_cfg:
        module_cfg['pretrained'] = None
    module_cfg.pop('init_cfg', None)
    for value in module_cfg.values():
        if isinstance(value, dict) and 'type' in value:
            _drop_pretrained(value)


def dumpable(value: Any) -> Any:
    """``value`` with only what a weights-only ``torch.load`` reads back:
    tensors (numpy arrays become tensors), numbers, strings, ``None`` and
    lists, tuples and dicts of them; anything else is dropped (``None``
    for a value, left out of a container)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in 'biuf':
            return None
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [dumpable(v) for v in value]
        return type(value)(v for v in items if v is not None)
    if isinstance(value, dict):
        items = {str(k): dumpable(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not None}
    return None


def save_dump(samples: List[Dict], path: str, **extra: Any) -> None:
    """Write predictions as :func:`load_dump` reads them: a ``torch.save``
    file of tensors, numbers and strings only (see :func:`dumpable`).

    Args:
        samples (list[dict]): One dict per video (a data sample's
            ``to_dict()``).
        path (str): Where to write, through MMEngine's file backends.
        **extra: Run-level fields stored beside the samples, e.g.
            ``skipped`` (the names of unreadable videos left out).
    """
    buffer = io.BytesIO()
    torch.save(
        dict(
            format=DUMP_FORMAT,
            samples=[dumpable(s) for s in samples],
            **dumpable(extra)), buffer)
    fileio.put(buffer.getvalue(), path)


def load_dump(path: str, allow_pickle: bool = False) -> Dict[str, Any]:
    """Read a ``tools/test.py --dump`` file without running code.

    Dumps are read with ``torch.load(weights_only=True)``, whose unpickler
    builds tensors, numbers, strings and containers only: a crafted file
    cannot run code. The old ``.pkl`` dumps (MMEngine's ``DumpResults``)
    are plain pickles, which can; they are refused unless ``allow_pickle``
    says the file is trusted.

    Args:
        path (str): The dump.
        allow_pickle (bool): Read a plain pickle (old dump) in full. Only
            for files you made yourself. Defaults to False.

    Returns:
        dict: ``samples`` (list of dicts, one per video) and the run-level
        fields (``skipped``: names of unreadable videos left out).
    """
    data = fileio.get(path)
    try:
        dumped = torch.load(
            io.BytesIO(data), map_location='cpu', weights_only=True)
    except Exception as error:  # noqa: B902 (any refusal of the format)
        if not allow_pickle:
            raise ValueError(
                f'{path} is not a dump of tensors, numbers and strings '
                f'(what tools/test.py --dump writes), refused: '
                f'{type(error).__name__}: {str(error)[:300]}. Old --dump '
                'files are pickles, and reading a pickle runs any code it '
                'holds: re-create it with tools/test.py CONFIG CKPT --dump '
                'results.pt, or, only for a file you made yourself, pass '
                'allow_pickle=True (the analysis tools: --allow-pickle).'
            ) from error
        dumped = dict(samples=pickle.loads(data))
    if isinstance(dumped, list):  # a weights-only-safe list of samples
        dumped = dict(samples=dumped)
    if not isinstance(dumped, dict) or not isinstance(
            dumped.get('samples'), list):
        raise ValueError(f'{path} holds no list of predictions per video')
    dumped.setdefault('skipped', [])
    return dumped


def add_dump_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of a tool that reads a ``tools/test.py --dump``: the
    dump, and ``--allow-pickle`` for an old pickle (read with
    ``read_test_dump(args.dump, args.allow_pickle)``)."""
    parser.add_argument(
        'dump', help='file written by tools/test.py --dump (.pt)')
    parser.add_argument(
        '--allow-pickle',
        action='store_true',
        help='also read an old .pkl dump; unpickling runs any code the '
        'file holds: only for a file you made yourself')


def read_test_dump(path: str,
                   allow_pickle: bool = False) -> Dict[str, np.ndarray]:
    """The predictions that ``tools/test.py --dump`` wrote, as arrays.

    Read with :func:`load_dump`: a file that is not a dump of tensors,
    numbers and strings is refused (an old pickle dump only with
    ``allow_pickle=True``).

    Returns:
        dict: ``labels`` ``(N, )`` int; ``scores`` ``(N, K)`` where the
        model gave class scores; ``embeddings`` ``(N, D)`` where it gave
        video embeddings.
    """
    results = load_dump(path, allow_pickle)['samples']
    if not results:
        raise ValueError(f'{path} holds no predictions')
    arrays = dict(
        labels=np.array(
            [int(np.asarray(r['gt_label']).reshape(-1)[0]) for r in results]))
    for key, field in (('scores', 'pred_score'), ('embeddings', 'embedding')):
        if field in results[0]:
            arrays[key] = np.stack([
                np.asarray(torch.as_tensor(r[field]).float()) for r in results
            ])
    return arrays
