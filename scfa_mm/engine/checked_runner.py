"""MMEngine's Runner with the plugin's checks and CPU fallbacks, for every
entry point: the plugin's tools, MMAction2's ``tools/train.py`` and
``tools/test.py``, and ``mim train/test``."""
import copy
import glob
import logging
import os.path as osp
import re
import sys
from typing import Any, Dict, List, Optional, Tuple, Union

from mmaction.registry import RUNNERS
from mmengine.config import Config, ConfigDict
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner

from ..utils.checkpoint import (CheckpointReadError, check_checkpoint_fits,
                                use_checkpoint_loader)
from ..utils.runtime import (adapt_to_available_device, check_data_exists,
                             check_labels, check_pretrained_weights)
from ..utils.schedule_check import fit_schedule_to_max_epochs
from ..utils.upstream_fit import check_grid_recognizer
from .atomic_checkpoint_hook import AtomicCheckpointHook


@RUNNERS.register_module()
class CheckedRunner(Runner):
    """MMEngine's Runner, checking a run before it starts.

    Selected by ``runner_type = 'CheckedRunner'`` (the plugin's
    ``default_runtime.py``), which the upstream tools honour
    (``RUNNERS.build(cfg)``), so the same run gets the same checks from any
    entry point:

    - when built, the config is fitted to the machine
      (:func:`~scfa_mm.utils.runtime.adapt_to_available_device`:
      ``num_workers='auto'``, gloo and no pinned memory without CUDA),
      local checkpoints load weights-only
      (:func:`~scfa_mm.utils.checkpoint.load_checkpoint_file`; full
      unpickling only with ``--unsafe-load-pickled-checkpoints``), and the
      checkpoint hook saves atomically
      (:class:`~scfa_mm.engine.AtomicCheckpointHook`);
    - when resuming automatically: the newest checkpoint that loads, none
      from outside the work dir, and an error if there is none
      (:meth:`load_or_resume`);
    - before training: the train and val data paths, the labels against
      ``num_classes``, a grid pipeline against the recognizer
      (:func:`~scfa_mm.utils.upstream_fit.check_grid_recognizer`) and the
      pretrained weights (downloaded now if
      possible, or one paragraph saying where to place them);
    - before testing or validating: that data, and that the checkpoint's
      weights fit the model (a ``num_classes`` that differs stops the run
      instead of giving a meaningless top-1);
    - a run that fails writes its traceback to the log file in the work
      dir too.
    """

    _checking_checkpoint: Optional[str] = None

    @classmethod
    def from_cfg(cls, cfg: Union[Config, ConfigDict, Dict]) -> 'Runner':
        cfg = copy.deepcopy(cfg)
        adapt_to_available_device(cfg)
        fit_schedule_to_max_epochs(cfg)
        return super().from_cfg(cfg)

    def build_train_loop(self, loop: Union[Dict, Any]) -> Any:
        # MMEngine's epoch loop would train a preempted epoch's first
        # batches again after --resume: skip them instead
        if isinstance(loop, dict) and 'max_epochs' in loop and loop.get(
                'type', 'EpochBasedTrainLoop') == 'EpochBasedTrainLoop':
            loop = dict(loop, type='ResumableEpochBasedTrainLoop')
        return super().build_train_loop(loop)

    def __init__(self, *args, **kwargs) -> None:
        use_checkpoint_loader()
        try:
            super().__init__(*args, **kwargs)
        except BaseException:
            # the logger (and its file in the work dir) exists early on
            self._log_failure('building the runner')
            raise

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
        try:
            self.check_data(self.cfg, 'train')
            check_pretrained_weights(self.cfg)
            return super().train()
        except BaseException:
            self._log_failure('training')
            raise

    def val(self) -> Dict[str, float]:
        try:
            return self._evaluate('val', super().val)
        except BaseException:
            self._log_failure('validation')
            raise

    def test(self) -> Dict[str, float]:
        try:
            return self._evaluate('test', super().test)
        except BaseException:
            self._log_failure('testing')
            raise

    def _log_failure(self, stage: str) -> None:
        """Write the exception being handled, with its traceback, to the
        run's log file in the work dir (the console gets it from Python as
        it propagates): a crashed run's log then says why."""
        error_type, error, traceback = sys.exc_info()
        logger = self.__dict__.get('logger')
        if error is None or logger is None \
                or getattr(error, '_scfa_mm_logged', False) \
                or (isinstance(error, SystemExit) and not error.code):
            return
        # a deliberate exit (e.g. after a preemption checkpoint) needs no
        # traceback
        exc_info = None if isinstance(error, SystemExit) else (error_type,
                                                               error,
                                                               traceback)
        record = logger.makeRecord(
            logger.name,
            logging.ERROR,
            __file__,
            0,
            f'{stage} stopped by {error_type.__name__}: {error}',
            None,
            exc_info,
            func=stage)
        for handler in logger.handlers:
            if isinstance(handler, logging.FileHandler):
                handler.handle(record)
        try:
            error._scfa_mm_logged = True  # once, if re-raised through here
        except AttributeError:
            pass

    def register_default_hooks(self, hooks: Optional[Dict] = None) -> None:
        """MMEngine's default hooks, with the config's ``CheckpointHook``
        (or MMEngine's default one) built as
        :class:`~scfa_mm.engine.AtomicCheckpointHook` (same arguments): a
        killed save or a full disk then loses no checkpoint, from any
        entry point of a config on the plugin's runtime."""
        hooks = dict(hooks or {})
        checkpoint = hooks.get('checkpoint',
                               dict(type='CheckpointHook', interval=1))
        if isinstance(checkpoint, dict) \
                and checkpoint.get('type') in ('CheckpointHook',
                                               CheckpointHook):
            hooks['checkpoint'] = dict(checkpoint, type=AtomicCheckpointHook)
        super().register_default_hooks(hooks)

    def load_or_resume(self) -> None:
        """MMEngine's loading and resuming, with automatic resuming
        (``--resume`` without a path, ``resume=True`` and no ``load_from``)
        that cannot silently go wrong:

        - it tries the checkpoint ``last_checkpoint`` names, then the older
          ones of the same series, newest first, and resumes from the first
          that loads, saying which it skipped and why (a save killed
          midway, a truncated copy);
        - a ``last_checkpoint`` naming a file outside this run's
          checkpoint directory (a copied work dir) is not followed: the
          file of that name here is used, or none; a checkpoint elsewhere
          is resumed only when given explicitly (``--resume PATH``);
        - with nothing to resume it stops, saying so, instead of training
          from scratch.
        """
        if self._has_loaded or not self._resume or self._load_from is not None:
            return super().load_or_resume()
        directory = self._checkpoint_dir()
        if directory is None:  # remote checkpoints: MMEngine's way
            return super().load_or_resume()
        candidates, notes = resume_candidates(self.work_dir, directory)
        for note in notes:
            self.logger.warning(note)
        skipped: List[str] = []
        for filename in candidates:
            try:
                self.resume(filename)
            except CheckpointReadError as error:
                self.logger.warning(f'Not resuming from {filename}: {error}')
                skipped.append(filename)
                continue
            if skipped:
                self.logger.warning(
                    f'Resumed from {filename}, the newest checkpoint that '
                    f'loads; skipped: {", ".join(skipped)}.')
            else:
                self.logger.info(f'Resumed from {filename}.')
            self._has_loaded = True
            return
        found = (f'none of {", ".join(skipped)} loads'
                 if skipped else ' '.join(notes).rstrip('.') if notes else
                 f'it has no last_checkpoint file and no checkpoint '
                 f'({directory}/*.pth)')
        raise FileNotFoundError(
            f'Nothing to resume in the work dir {self.work_dir}: {found}. '
            'Check the work dir (--work-dir, or work_dir of the config), '
            'resume from a file with --resume PATH, or leave out --resume '
            '(resume=True) to train from scratch.')

    def _checkpoint_dir(self) -> Optional[str]:
        """Where the checkpoint hook writes: ``out_dir/<work dir name>``, or
        the work dir; None for a remote ``out_dir``. (The hook itself only
        works it out before training, after resuming.)"""
        out_dir = None
        for hook in self.hooks:
            if isinstance(hook, CheckpointHook):
                out_dir = hook.out_dir
        if out_dir is None or osp.abspath(str(out_dir)) == self.work_dir:
            return self.work_dir
        if '://' in str(out_dir):
            return None
        return osp.join(
            str(out_dir), osp.basename(self.work_dir.rstrip(osp.sep)))

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


def _series_and_step(filename: str) -> Optional[Tuple[str, int]]:
    """``('epoch_', 12)`` for ``.../epoch_12.pth``; None for a file that is
    not a numbered checkpoint or is a best-score one (saved without the
    optimizer: not for resuming)."""
    found = re.fullmatch(r'(.*?)(\d+)\.pth', osp.basename(filename))
    if found is None or found.group(1).startswith('best_'):
        return None
    return found.group(1), int(found.group(2))


def resume_candidates(work_dir: str,
                      checkpoint_dir: str) -> Tuple[List[str], List[str]]:
    """The checkpoints automatic resuming tries, in order, and notes on
    what it does not follow.

    First the file ``work_dir/last_checkpoint`` names, if it lies in
    ``checkpoint_dir`` (a path elsewhere, left by the work dir this one was
    copied from, is replaced by the file of the same name here, if any);
    then the older numbered checkpoints of the same series
    (``epoch_*.pth`` or ``iter_*.pth``) in ``checkpoint_dir``, newest first,
    then those of other series written before the named one, newest first.
    Without ``last_checkpoint``, every numbered checkpoint, by number.
    Newer files than the one named (left by an earlier run in the same
    work dir) and ``best_*`` ones are never tried.

    Args:
        work_dir (str): The run's work dir.
        checkpoint_dir (str): Where its checkpoints are.

    Returns:
        tuple[list[str], list[str]]: The paths, and the notes to log.
    """
    notes: List[str] = []
    named = None
    last_file = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last_file):
        with open(last_file) as f:
            named = f.read().strip() or None
    candidates: List[str] = []
    if named is not None:
        if osp.realpath(osp.dirname(named)) != osp.realpath(checkpoint_dir):
            own = osp.join(checkpoint_dir, osp.basename(named))
            if osp.isfile(own):
                notes.append(
                    f'{last_file} names {named}, outside this work dir (was '
                    f'the work dir copied?): resuming from this work dir\'s '
                    f'{own} instead. To resume from the other file, give it: '
                    f'--resume {named}')
                named = own
            else:
                notes.append(
                    f'{last_file} names {named}, outside this work dir (was '
                    'the work dir copied?), which is not resumed from '
                    f'unless given: --resume {named}.')
                named = None
        elif not osp.isfile(named):
            notes.append(f'{last_file} names {named}, which does not exist.')
        if named is not None and osp.isfile(named):
            candidates.append(named)
    newest = _series_and_step(named) if named is not None else None
    numbered, other_series = [], []
    for filename in glob.glob(osp.join(glob.escape(checkpoint_dir), '*.pth')):
        series_step = _series_and_step(filename)
        if series_step is None or filename in candidates:
            continue
        if newest is None or (series_step[0] == newest[0]
                              and series_step[1] < newest[1]):
            numbered.append((series_step[1], filename))
        elif series_step[0] != newest[0] \
                and osp.getmtime(filename) <= osp.getmtime(named):
            # e.g. epoch_*.pth behind a preemption's iter_*.pth: their
            # numbers do not compare, their times do
            other_series.append((osp.getmtime(filename), filename))
    candidates += [name for _, name in sorted(numbered, reverse=True)]
    candidates += [name for _, name in sorted(other_series, reverse=True)]
    return candidates, notes
