"""Loading checkpoints weights-only (what MMEngine stores is allowed,
anything else refused unless ``--unsafe-load-pickled-checkpoints``), and
writing them atomically."""
import logging
import os
import os.path as osp
import pickle
import re
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


# Full unpickling of local checkpoints (it can run code) is allowed only
# when this is '1': set by --unsafe-load-pickled-checkpoints of the plugin's
# tools; an environment variable so that it reaches every launched rank.
UNSAFE_LOADING_ENV = 'SCFA_MM_UNSAFE_LOAD_PICKLED_CHECKPOINTS'
UNSAFE_LOADING_FLAG = '--unsafe-load-pickled-checkpoints'


class CheckpointReadError(RuntimeError):
    """A checkpoint file that cannot be read: truncated (a save killed
    midway, a full disk), corrupt or not a checkpoint at all."""


class CheckpointRefusedError(pickle.UnpicklingError):
    """A checkpoint that weights-only unpickling refuses: it pickles an
    object outside the allow-list, and unpickling it could run code."""


def allow_unsafe_checkpoint_loading(enabled: bool = True) -> None:
    """Allow (or forbid again) full unpickling of local checkpoints in this
    process and the processes it starts; what
    ``--unsafe-load-pickled-checkpoints`` does. Only for checkpoints you
    trust: unpickling can run any code the file names."""
    if enabled:
        os.environ[UNSAFE_LOADING_ENV] = '1'
    else:
        os.environ.pop(UNSAFE_LOADING_ENV, None)


def unsafe_checkpoint_loading_allowed() -> bool:
    """Whether :func:`allow_unsafe_checkpoint_loading` is in effect."""
    return os.environ.get(UNSAFE_LOADING_ENV) == '1'


def _weights_only_refusal(message: str) -> str:
    """The useful part of torch's weights-only error: the refused global
    (or operation), without its paragraph about PyTorch 2.6."""
    found = re.search(r'GLOBAL ([\w.]+)', message)
    if found is not None:
        return f'it pickles the global {found.group(1)}'
    lines = [
        line.strip() for line in message.splitlines()
        if line.strip() and not line.startswith(('Weights only load failed',
                                                 'Check the documentation'))
    ]
    return lines[0] if lines else message


def load_checkpoint_file(filename: str,
                         map_location: Optional[str] = None,
                         unsafe: Optional[bool] = None,
                         mmap: bool = False) -> Dict[str, Any]:
    """Load a local checkpoint with weights-only unpickling.

    Weights-only unpickling reads tensors, plain data and what
    :func:`allow_mmengine_checkpoint_globals` allows (every checkpoint a
    Runner writes); a file that pickles anything else is refused, since
    unpickling it could run code. Full unpickling happens only with
    ``unsafe`` (by default: :func:`unsafe_checkpoint_loading_allowed`).

    Args:
        filename (str): The checkpoint.
        map_location (str, optional): As for ``torch.load``.
        unsafe (bool, optional): Unpickle anything (runs the code a crafted
            file names). Default: whether ``--unsafe-load-pickled-
            checkpoints`` is in effect.
        mmap (bool): Map the tensors instead of reading them (a cheap check
            that the file is complete and loadable).

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        CheckpointRefusedError: If weights-only unpickling refuses it; the
            message names the file, what was refused and the flag.
        CheckpointReadError: If the file is truncated or corrupt.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if osp.getsize(filename) == 0:
        raise CheckpointReadError(f'{filename} cannot be read: it is empty')
    if unsafe is None:
        unsafe = unsafe_checkpoint_loading_allowed()
    if unsafe:
        print_log(
            f'Loading {filename} with full unpickling '
            f'({UNSAFE_LOADING_FLAG}), which runs any code the file names.',
            logger='current',
            level=logging.WARNING)
    try:
        return torch.load(
            filename,
            map_location=map_location,
            weights_only=not unsafe,
            mmap=mmap)
    except pickle.UnpicklingError as error:
        if unsafe:
            raise CheckpointReadError(
                f'{filename} cannot be read: {error}') from error
        raise CheckpointRefusedError(
            f'{filename} was not loaded: weights-only unpickling refuses it '
            f'({_weights_only_refusal(str(error))}), and unpickling it '
            'could run code. If you trust the file, load it with full '
            f'unpickling: {UNSAFE_LOADING_FLAG} (tools/train.py, '
            'tools/test.py, tools/publish_checkpoint.py) or '
            f'{UNSAFE_LOADING_ENV}=1 for other entry points.') from None
    except (RuntimeError, EOFError, OSError) as error:
        # Only errors of reading the file: not, e.g., a CUDA map_location
        # on a machine without CUDA (resuming would skip good files).
        if isinstance(error, RuntimeError) and not any(
                sign in str(error)
                for sign in ('PytorchStreamReader', 'mmap can only')):
            raise
        reason = str(error).split('. ')[0] or type(error).__name__
        raise CheckpointReadError(
            f'{filename} cannot be read ({reason}): it is truncated or '
            'corrupt') from error


def use_checkpoint_loader() -> None:
    """Make MMEngine load local checkpoints through
    :func:`load_checkpoint_file`: weights-only, unless
    ``--unsafe-load-pickled-checkpoints`` is in effect; errors naming the
    file, and a :class:`CheckpointReadError` for a truncated or corrupt
    file (from which ``--resume`` falls back to an older checkpoint).

    Called by :class:`~scfa_mm.engine.CheckedRunner`, so every tool that
    runs it. Remote and ``torchvision://`` weights are not affected.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_file, force=True)


def partial_checkpoint_path(filename: str) -> str:
    """Where :func:`save_checkpoint_atomically` writes ``filename`` before
    it is complete (not a ``*.pth``: resuming never picks it up)."""
    return f'{filename}.partial'


def save_checkpoint_atomically(data: bytes, filename: str) -> None:
    """Write a serialised checkpoint so that ``filename`` is either absent,
    its previous version, or the complete new file: write a temporary file
    beside it, flush it to the disk, check that it loads (weights-only,
    tensors mapped, not read), then rename it over ``filename``.

    A checkpoint that loads only with full unpickling (a hook added an
    object outside the allow-list) is kept, with a warning: it is complete,
    and ``--unsafe-load-pickled-checkpoints`` loads it.

    Raises:
        OSError: If writing fails (a full disk): the temporary file is
            removed and a previous ``filename`` is left as it was.
        CheckpointReadError: If the written file does not read back.
    """
    directory = osp.dirname(osp.abspath(filename))
    os.makedirs(directory, exist_ok=True)
    temporary = partial_checkpoint_path(filename)
    try:
        with open(temporary, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            load_checkpoint_file(
                temporary, map_location='cpu', unsafe=False, mmap=True)
        except CheckpointRefusedError as error:
            reason = _weights_only_refusal(str(error.__context__ or error))
            print_log(
                f'{filename} holds objects that weights-only loading '
                f'refuses ({reason}): --resume and tools/test.py load it '
                f'only with {UNSAFE_LOADING_FLAG}. Store plain data '
                '(tensors, numbers, strings, lists, dicts) in checkpoints.',
                logger='current',
                level=logging.WARNING)
    except BaseException as error:
        if osp.exists(temporary):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise OSError(
                error.errno, f'could not write the checkpoint {filename} '
                f'({error.strerror or error}; {len(data) / 2**20:.0f} MiB '
                f'needed): the previous checkpoints are kept') from error
        raise
    os.replace(temporary, filename)
    # the rename itself reaches the disk with the directory's entry
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
        elif not torch.is_tensor(value):
            # a module's extra state (e.g. a captioner's vocabulary): the
            # module checks it when it is loaded
            continue
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
