from .checked_runner import CheckedRunner
from .data_epoch_seed_hook import DataEpochSeedHook
from .grid_recognizer_check_hook import GridRecognizerCheckHook
from .optim_wrapper import BFloat16OptimWrapper
from .portable_checkpoint_hook import PortableCheckpointHook

__all__ = [
    'CheckedRunner', 'BFloat16OptimWrapper', 'DataEpochSeedHook',
    'GridRecognizerCheckHook',
    'PortableCheckpointHook'
]
