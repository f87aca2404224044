"""Loading checkpoints on PyTorch >= 2.6, whose ``torch.load`` unpickles
with ``weights_only=True`` by default."""
import os.path as osp
import pickle
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner import CheckpointLoader

# The statistics functions a pickled HistoryBuffer refers to, as
# getattr(HistoryBuffer, name).
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')
# The dtypes of the buffers' arrays and numpy scalars (numpy >= 2 builds
# each dtype as an instance of its own class): booleans and numbers only.
_NUMERIC_DTYPES = ('?', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
                   'uint32', 'uint64', 'float16', 'float32', 'float64')


def history_buffer_getattr(owner: Any, name: str) -> Any:
    """``getattr`` for weights-only unpickling, limited to what MMEngine's
    ``HistoryBuffer`` pickles: its statistics functions. A general
    ``getattr`` would let a crafted file reach any attribute of any
    allowed class."""
    if owner is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(owner, name)
    allowed = ', '.join(_HISTORY_BUFFER_STATISTICS)
    raise pickle.UnpicklingError(
        f'getattr({owner!r}, {name!r}) is not allowed in a weights-only '
        f'checkpoint (only HistoryBuffer\'s {allowed})')


def allow_mmengine_checkpoint_globals() -> None:
    """Let weights-only unpickling read what MMEngine stores beside the
    weights of a training checkpoint: the message hub's ``HistoryBuffer``
    (with its numpy arrays and the restricted ``getattr`` above).

    Called when ``scfa_mm`` is imported, so the stock tools of MMAction2
    (``init_recognizer``, ``tools/test.py`` with
    ``custom_imports=dict(imports=['scfa_mm'])``) load checkpoints written
    by a Runner without :class:`~scfa_mm.engine.PortableCheckpointHook`
    (which writes them as plain data in the first place).
    """
    multiarray = np.core.multiarray if not hasattr(np, '_core') \
        else np._core.multiarray
    torch.serialization.add_safe_globals([
        HistoryBuffer,
        (history_buffer_getattr, 'builtins.getattr'),
        (multiarray._reconstruct, f'{multiarray.__name__}._reconstruct'),
        (multiarray.scalar, f'{multiarray.__name__}.scalar'),
        np.ndarray,
        np.dtype,
    ] + [type(np.dtype(code)) for code in _NUMERIC_DTYPES])


def load_checkpoint_file(filename: str,
                         map_location: Optional[str] = None) -> Dict[str, Any]:
    """Load a local checkpoint, weights-only where it can.

    Checkpoints written with :class:`~scfa_mm.engine.PortableCheckpointHook`,
    or holding only what :func:`allow_mmengine_checkpoint_globals` allows,
    load weights-only. Anything else (a checkpoint pickling other objects)
    is loaded with full unpickling after a warning that names the file
    and the object: only do that with checkpoints you trust.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        reason = str(error).split('\n')[0]
        print_log(
            f'{filename} holds objects that weights-only loading refuses '
            f'({reason}); loading it with full unpickling, which can run '
            'code: only load checkpoints you trust. '
            'tools/publish_checkpoint.py writes a weights-only copy.',
            logger='current',
            level='WARNING')
        return torch.load(
            filename, map_location=map_location, weights_only=False)


def allow_full_checkpoint_loading() -> None:
    """Make MMEngine load local checkpoints through
    :func:`load_checkpoint_file`: weights-only where the file allows it,
    as before torch 2.6 (with a warning) otherwise.

    Called by ``tools/train.py`` (for ``--resume``) and ``tools/test.py``.
    Remote and ``torchvision://`` weights are not affected.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_file, force=True)


def check_checkpoint_fits(model: torch.nn.Module, checkpoint: Dict,
                          filename: str) -> None:
    """Fail if ``checkpoint``'s weights do not fit ``model``: a weight of
    another shape (e.g. a classifier for another number of classes), or
    model weights the checkpoint lacks. Loading such a checkpoint
    non-strictly, as MMEngine does, leaves those weights random and the
    metrics meaningless, after a warning easily lost in the log.

    Args:
        model (nn.Module): The model to test (unwrapped).
        checkpoint (dict): The loaded checkpoint (``state_dict`` or a plain
            state dict).
        filename (str): The checkpoint's name, for the message.

    Raises:
        ValueError: Naming the weights, their shapes and, for a classifier,
            ``num_classes`` of the config and of the checkpoint.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    state_dict = {
        key[len('module.'):] if key.startswith('module.') else key: value
        for key, value in state_dict.items()
    }
    problems, head_classes = [], None
    for key, value in model.state_dict().items():
        if key.startswith('data_preprocessor.'):
            continue  # normalisation constants, set by the config
        if key not in state_dict:
            problems.append(f'{key} is missing')
        elif tuple(state_dict[key].shape) != tuple(value.shape):
            problems.append(f'{key} has shape {tuple(state_dict[key].shape)}'
                            f' in the checkpoint, {tuple(value.shape)} in '
                            'the model')
            if key.startswith('cls_head.') and key.endswith('.weight'):
                head_classes = (state_dict[key].shape[0], value.shape[0])
    if not problems:
        return
    shown = '; '.join(problems[:8]) + (f'; ... {len(problems) - 8} more'
                                       if len(problems) > 8 else '')
    hint = ''
    if head_classes is not None:
        hint = (f' The checkpoint classifies {head_classes[0]} classes, the '
                f'config\'s model.cls_head.num_classes is {head_classes[1]}.')
    raise ValueError(
        f'{filename} does not fit the model of this config ({shown}).{hint} '
        'Its weights would be left partly random and the results '
        'meaningless: test with the config the checkpoint was trained with '
        '(its meta["cfg"] holds it).')
