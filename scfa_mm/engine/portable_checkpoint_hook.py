"""Training checkpoints that load with PyTorch's weights-only unpickling."""
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer, print_log
from mmengine.registry import HOOKS

# Marks a message-hub log buffer written as plain data in a checkpoint.
HISTORY_BUFFER_KEY = '__history_buffer__'


def plain(value: Any) -> Any:
    """``value`` with numpy arrays and scalars turned into Python lists and
    numbers (inside dicts, lists and tuples); anything else unchanged."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return type(value)((key, plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    return value


def history_buffer_to_plain(buffer: HistoryBuffer) -> Dict[str, Any]:
    """A message-hub buffer as a dict of Python lists (its statistics
    methods are rebuilt from the class on load)."""
    log_history, count_history = buffer.data
    return {
        HISTORY_BUFFER_KEY: True,
        'max_length': buffer.max_length,
        'log_history': log_history.tolist(),
        'count_history': count_history.tolist(),
    }


def history_buffer_from_plain(value: Dict[str, Any]) -> HistoryBuffer:
    """The inverse of :func:`history_buffer_to_plain`."""
    return HistoryBuffer(value['log_history'], value['count_history'],
                         value['max_length'])


def is_plain_history_buffer(value: Any) -> bool:
    return isinstance(value, dict) and value.get(HISTORY_BUFFER_KEY) is True


def make_checkpoint_portable(checkpoint: Dict) -> Dict:
    """Rewrite, in place, the parts of an MMEngine training checkpoint that
    weights-only unpickling rejects: the message hub's ``HistoryBuffer``
    objects (they hold functions, pickled through ``getattr``) and numpy
    values in ``meta`` and the message hub. Weights, optimizer and
    scheduler states are tensors and plain data already."""
    message_hub = checkpoint.get('message_hub')
    if message_hub is not None:
        message_hub['log_scalars'] = {
            key:
            history_buffer_to_plain(value)
            if isinstance(value, HistoryBuffer) else plain(value)
            for key, value in message_hub['log_scalars'].items()
        }
        for key in ('runtime_info', 'resumed_keys'):
            if key in message_hub:
                message_hub[key] = plain(message_hub[key])
    if 'meta' in checkpoint:
        checkpoint['meta'] = plain(checkpoint['meta'])
    return checkpoint


def restore_checkpoint_objects(checkpoint: Dict) -> Dict:
    """Rebuild, in place, the ``HistoryBuffer`` objects that
    :func:`make_checkpoint_portable` wrote as plain data, so that the
    Runner resumes the message hub (its logged smoothing windows)."""
    log_scalars = (checkpoint.get('message_hub') or {}).get('log_scalars')
    if log_scalars:
        for key, value in log_scalars.items():
            if is_plain_history_buffer(value):
                log_scalars[key] = history_buffer_from_plain(value)
    return checkpoint


def class_names_problem(classes: Any) -> Optional[str]:
    """Why ``dataset_meta['classes']`` is not a list of class names, or None
    if it is. MMEngine keeps a ``metainfo`` value that names a missing file
    as the file name itself, which would end up as the class names."""
    if isinstance(classes, str):
        return (f'metainfo classes = {classes!r} is a string, not a list: '
                'the class-name file was not found when the dataset was '
                'built')
    if not isinstance(classes, (list, tuple)) or not all(
            isinstance(name, str) for name in classes):
        return f'metainfo classes = {classes!r} is not a list of names'
    return None


@HOOKS.register_module()
class PortableCheckpointHook(Hook):
    """Make the checkpoints training writes loadable by the stock tools.

    PyTorch >= 2.6 loads with ``weights_only=True`` by default, and MMEngine
    stores its message hub's ``HistoryBuffer`` objects, which that rejects:
    MMAction2's ``init_recognizer``, ``tools/test.py`` and
    ``publish_model.py`` then fail on every checkpoint a run writes. Before
    each save this hook writes those buffers and numpy values as plain
    lists and numbers; after each load it rebuilds the buffers, so
    ``--resume`` restores the message hub as before. The weights and the
    class names (``meta['dataset_meta']['classes']``, from the training
    dataset's ``metainfo``) are untouched.

    It also warns, once, when the dataset's ``metainfo`` names class names
    that are not a list of strings (a class-name file that was missing):
    the checkpoints then carry no class names.
    """

    priority = 'VERY_LOW'  # after every hook that adds to the checkpoint

    def __init__(self) -> None:
        self._warned: List[str] = []

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        dataset_meta = checkpoint.get('meta', {}).get('dataset_meta') or {}
        if 'classes' in dataset_meta:
            problem = class_names_problem(dataset_meta['classes'])
            if problem is not None:
                if problem not in self._warned:
                    self._warned.append(problem)
                    print_log(
                        f'{problem}; checkpoints are saved without class '
                        'names.',
                        logger='current',
                        level='WARNING')
                del dataset_meta['classes']
        make_checkpoint_portable(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        restore_checkpoint_objects(checkpoint)
