"""Checkpoints that a killed run or a full disk cannot lose."""
import glob
import os
import os.path as osp
from pathlib import Path
from typing import Dict, List, Optional, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

from ..utils.checkpoint import save_checkpoint_atomically

# The name of the file backend below, as in ``backend_args``.
ATOMIC_BACKEND = 'atomic_local'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose ``put`` (all that MMEngine's
    ``save_checkpoint`` writes a checkpoint with) writes a temporary file,
    checks that it loads and renames it over the target: see
    :func:`~scfa_mm.utils.checkpoint.save_checkpoint_atomically`."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        save_checkpoint_atomically(obj, str(filepath))


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` with saves that cannot lose the
    checkpoints already written.

    MMEngine's hook removes the oldest checkpoint *before* writing the new
    one in place: with ``max_keep_ckpts=1``, a run killed during a save
    (or a full disk) is left with a partial new file and a
    ``last_checkpoint`` naming the removed one. This hook:

    - writes each checkpoint to ``<name>.partial``, flushes it to the disk,
      checks that it loads, and only then renames it to ``<name>`` (local
      ``out_dir`` and no ``backend_args`` of the config's own; others are
      written as MMEngine writes them);
    - removes the checkpoints past ``max_keep_ckpts`` only after the new one
      and ``last_checkpoint`` are written;
    - removes the ``*.pth.partial`` files a killed run left, before
      training (and no other ``.partial`` file).

    :class:`~scfa_mm.engine.CheckedRunner` builds it in place of a
    ``CheckpointHook`` (same arguments), so configs need not name it.
    """

    def __init__(self,
                 *args,
                 out_dir: Optional[str] = None,
                 backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None,
                 **kwargs) -> None:
        if backend_args is None and file_client_args is None \
                and (out_dir is None or '://' not in str(out_dir)):
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(
            *args,
            out_dir=out_dir,
            backend_args=backend_args,
            file_client_args=file_client_args,
            **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not is_main_process() or not isinstance(self.file_backend,
                                                   AtomicLocalBackend):
            return
        # only the checkpoints this hook writes: other tools may keep their
        # own .partial files in the work dir
        for stale in glob.glob(
                osp.join(glob.escape(self.out_dir), '*.pth.partial')):
            runner.logger.warning(
                f'Removing {stale}, a checkpoint whose save did not finish '
                '(the run was killed or the disk was full).')
            os.remove(stale)

    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: Dict) -> None:
        outdated: List[int] = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            # MMEngine's bookkeeping (the message hub keeps the list, so a
            # resumed run removes the same files), with the removal put off;
            # MMEngine's method then sees this step listed and removes none.
            while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        super()._save_checkpoint_with_step(runner, step, meta)
        if not is_main_process():
            return
        for old_step in outdated:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(old_step))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                # checkpoints saved by DeepSpeed are directories
                self.file_backend.rmtree(path)
