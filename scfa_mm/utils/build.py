"""Building models and reading test dumps for tools and tests."""
import copy
import pickle
from typing import Dict, Optional

import numpy as np
from mmaction.registry import MODELS
from mmengine.config import ConfigDict
from torch import nn


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

    from .checkpoint import allow_full_checkpoint_loading
    set_random_seed(seed)
    model = build_untrained_model(model_cfg)
    model.init_weights()
    if checkpoint is not None:
        allow_full_checkpoint_loading()
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.eval()


def _drop_pretrained(module_cfg: dict) -> None:
    """Drop weight sources from a backbone config and the module configs
    inside it (e.g. CARL's image backbone), in place."""
    if 'pretrained' in module_cfg:
        module_cfg['pretrained'] = None
    module_cfg.pop('init_cfg', None)
    for value in module_cfg.values():
        if isinstance(value, dict) and 'type' in value:
            _drop_pretrained(value)


def read_test_dump(path: str) -> Dict[str, np.ndarray]:
    """The predictions that ``tools/test.py --dump`` wrote, as arrays.

    Returns:
        dict: ``labels`` ``(N, )`` int; ``scores`` ``(N, K)`` where the
        model gave class scores; ``embeddings`` ``(N, D)`` where it gave
        video embeddings.
    """
    with open(path, 'rb') as f:
        results = pickle.load(f)
    if not results:
        raise ValueError(f'{path} holds no predictions')
    arrays = dict(
        labels=np.array(
            [int(np.asarray(r['gt_label']).reshape(-1)[0]) for r in results]))
    for key, field in (('scores', 'pred_score'), ('embeddings', 'embedding')):
        if field in results[0]:
            arrays[key] = np.stack(
                [np.asarray(r[field], dtype=np.float32) for r in results])
    return arrays
