"""The grid-pipeline check for runs of the stock tools."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ..utils.upstream_fit import check_grid_recognizer


@HOOKS.register_module()
class GridRecognizerCheckHook(Hook):
    """Run :func:`check_grid_recognizer` on the Runner's config in
    ``before_run``.

    For the stock tools (MMAction2's ``tools/train.py``, ``tools/test.py``,
    ``mim train``), which do not call the check: list the hook in the
    config, ``custom_hooks = [dict(type='GridRecognizerCheckHook')]``.
    ``before_run`` comes before the model's weights are initialised (so
    before any pretrained download), before a checkpoint is loaded and
    before the first batch. The plugin's own tools call the check before
    they build the Runner.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        check_grid_recognizer(runner.cfg)
