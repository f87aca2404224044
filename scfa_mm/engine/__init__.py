from .atomic_checkpoint_hook import AtomicCheckpointHook
from .checked_runner import CheckedRunner
from .data_epoch_seed_hook import DataEpochSeedHook
from .grid_recognizer_check_hook import GridRecognizerCheckHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .optim_wrapper import BFloat16OptimWrapper
from .portable_checkpoint_hook import PortableCheckpointHook
from .preemption_hook import PreemptionCheckpointHook, TrainingPreempted
from .resumable_loop import ResumableEpochBasedTrainLoop

__all__ = [
    'AtomicCheckpointHook',
    'CheckedRunner', 'BFloat16OptimWrapper', 'DataEpochSeedHook',
    'GridRecognizerCheckHook',
    'PortableCheckpointHook', 'NonFiniteLossError', 'NonFiniteLossHook',
    'PreemptionCheckpointHook', 'TrainingPreempted',
    'ResumableEpochBasedTrainLoop'
]
