from .data_epoch_seed_hook import DataEpochSeedHook
from .optim_wrapper import BFloat16OptimWrapper

__all__ = ['BFloat16OptimWrapper', 'DataEpochSeedHook']
