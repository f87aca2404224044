from .data_epoch_seed_hook import DataEpochSeedHook

__all__ = ['DataEpochSeedHook']
