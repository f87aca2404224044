"""bfloat16 mixed precision without loss scaling."""
from contextlib import contextmanager

import torch
from mmaction.registry import OPTIM_WRAPPERS
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast
from torch import nn


@OPTIM_WRAPPERS.register_module()
class BFloat16OptimWrapper(OptimWrapper):
    """An :class:`OptimWrapper` whose forward runs under bfloat16 autocast.

    bfloat16 has float32's exponent range, so gradients need no loss
    scaling: unlike MMEngine's ``AmpOptimWrapper`` (which keeps a
    ``GradScaler`` whatever the dtype, and asserts a GPU), this wrapper has
    none, and so no scaler state, no inf checks and no skipped steps. It
    runs on any device autocast supports (CUDA, and the CPU for tests);
    ``tools/train.py --amp`` picks it on GPUs with bfloat16 support.
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), autocast(dtype=torch.bfloat16):
            yield
