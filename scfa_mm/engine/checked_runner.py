"""MMEngine's Runner with the plugin's checks and CPU fallbacks, for every
entry point: the plugin's tools, MMAction2's ``tools/train.py`` and
``tools/test.py``, and ``mim train/test``."""
import copy
from typing import Any, Dict, Optional, Union

from mmaction.registry import RUNNERS
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner

from ..utils.checkpoint import (allow_full_checkpoint_loading,
                                check_checkpoint_fits)
from ..utils.runtime import (adapt_to_available_device, check_data_exists,
                             check_labels, check_pretrained_weights)
from ..utils.upstream_fit import check_grid_recognizer


@RUNNERS.register_module()
class CheckedRunner(Runner):
    """MMEngine's Runner, checking a run before it starts.

    Selected by ``runner_type = 'CheckedRunner'`` (the plugin's
    ``default_runtime.py``), which the upstream tools honour
    (``RUNNERS.build(cfg)``), so the same run gets the same checks from any
    entry point:

    - when built, the config is fitted to the machine
      (:func:`~scfa_mm.utils.runtime.adapt_to_available_device`:
      ``num_workers='auto'``, gloo and no pinned memory without CUDA) and
      local checkpoints load weights-only where they can;
    - before training: the train and val data paths, the labels against
      ``num_classes``, a grid pipeline against the recognizer
      (:func:`~scfa_mm.utils.upstream_fit.check_grid_recognizer`) and the
      pretrained weights (downloaded now if
      possible, or one paragraph saying where to place them);
    - before testing or validating: that data, and that the checkpoint's
      weights fit the model (a ``num_classes`` that differs stops the run
      instead of giving a meaningless top-1).
    """

    _checking_checkpoint: Optional[str] = None

    @classmethod
    def from_cfg(cls, cfg: Union[Config, ConfigDict, Dict]) -> 'Runner':
        cfg = copy.deepcopy(cfg)
        adapt_to_available_device(cfg)
        allow_full_checkpoint_loading()
        return super().from_cfg(cfg)

    @staticmethod
    def check_data(cfg: Union[Config, ConfigDict, Dict], mode: str) -> None:
        """The checks of the data a run in ``mode`` reads, in the config
        alone: paths, labels against ``num_classes``, a grid pipeline
        against the recognizer. The plugin's tools call it before building
        the Runner too, so that a run with missing data leaves nothing
        behind.

        Args:
            cfg: The config.
            mode (str): ``'train'`` (train and val data), ``'val'`` or
                ``'test'``.
        """
        loaders = dict(
            train=('train_dataloader', 'val_dataloader'),
            val=('val_dataloader', ),
            test=('test_dataloader', ))[mode]
        check_data_exists(cfg, loaders)
        check_labels(cfg, loaders)
        check_grid_recognizer(cfg, loaders)

    def train(self) -> Any:
        self.check_data(self.cfg, 'train')
        check_pretrained_weights(self.cfg)
        return super().train()

    def val(self) -> Dict[str, float]:
        return self._evaluate('val', super().val)

    def test(self) -> Dict[str, float]:
        return self._evaluate('test', super().test)

    def _evaluate(self, mode: str, run: Any) -> Dict[str, float]:
        self.check_data(self.cfg, mode)
        self._checking_checkpoint = self._load_from
        try:
            return run()
        finally:
            self._checking_checkpoint = None

    def call_hook(self, fn_name: str, **kwargs) -> None:
        # The one moment between reading a checkpoint and loading it into
        # the model: compare them while testing.
        if fn_name == 'after_load_checkpoint' \
                and self._checking_checkpoint is not None:
            model = getattr(self.model, 'module', self.model)
            check_checkpoint_fits(model, kwargs['checkpoint'],
                                  self._checking_checkpoint)
        super().call_hook(fn_name, **kwargs)
