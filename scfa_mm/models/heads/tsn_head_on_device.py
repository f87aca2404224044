"""MMAction2's TSN head with its loss and accuracy on the device."""
from mmaction.models.heads import TSNHead
from mmaction.registry import MODELS

from .device_loss import DeviceLossMixin


@MODELS.register_module()
class TSNHeadOnDevice(DeviceLossMixin, TSNHead):
    """MMAction2's ``TSNHead`` with its accuracy on the device, which
    bfloat16 training needs (numpy has no bfloat16); the same computation
    otherwise. Used where the stock TSN R50 is the reference model in
    bf16 (``tools/analysis/benchmark_training.py``, ``gpu_acceptance.py``).
    """
