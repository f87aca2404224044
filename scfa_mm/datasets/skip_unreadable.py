"""Opt-in skipping of unreadable videos (corrupt, truncated, removed).

By default an unreadable video stops the run with its file name
(``CheckedDecordInit`` / ``VideoInit``). Wrapping a dataset in
:class:`SkipUnreadableSamples` lets a long run survive a few:

- training: the sample is replaced by the next readable one
  (``index + 1, index + 2, ...``): a function of the index, so a resumed
  run replays the same batches; each unreadable video is logged by name;
- testing (``test_mode``): the sample is left out, never replaced (that
  would bias the metrics); :func:`collate_skipping_unreadable` drops it
  from its batch and passes its name on as ``skipped_unreadable`` (in the
  metainfo of a kept sample, so in its prediction), which
  :class:`UnreadableSamplesMetric` counts and names at the end, and
  ``SafeDumpResults`` stores as the dump's ``skipped``.

Past ``max_share`` the run stops anyway. Data workers are separate
processes, so each process (the main one with ``num_workers=0``, else each
worker) counts the distinct videos it found unreadable and stops when
they exceed ``max_share`` of the dataset's length; the count starts again
when workers are restarted (every epoch unless ``persistent_workers``).
With ``W`` workers the run therefore stops at the latest when the
unreadable videos exceed about ``W * max_share`` of the data, and never
because of a share below ``max_share``.

``tools/train.py --skip-unreadable SHARE`` and ``tools/test.py
--skip-unreadable SHARE`` apply :func:`skip_unreadable_in_config`.
"""
import logging
from typing import Any, Dict, List, Optional, Sequence, Set, Union

from mmaction.registry import DATASETS, METRICS
from mmengine.config import Config, ConfigDict
from mmengine.dataset import BaseDataset, pseudo_collate
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.registry import FUNCTIONS

# What an unreadable video raises in the loading transforms (a missing,
# corrupt or too-short file). Other errors (a bug, a missing package) are
# not the data's fault and still stop the run.
UNREADABLE_ERRORS = (OSError, RuntimeError, ValueError)
# The key of a left-out sample in a batch and in its data_batch.
SKIPPED_KEY = 'skipped_unreadable'


@DATASETS.register_module()
class SkipUnreadableSamples:
    """Dataset wrapper that skips samples whose video cannot be read.

    Args:
        dataset (BaseDataset | dict): The dataset or its config.
        max_share (float): Stop when the distinct unreadable samples one
            process met exceed this share of the dataset, in ``[0, 1)``.
            Defaults to 0.01.
        test_mode (bool, optional): Leave unreadable samples out instead of
            replacing them. Defaults to the dataset's ``test_mode``.
        lazy_init (bool): Build the inner dataset's index later. Defaults
            to False.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 max_share: float = 0.01,
                 test_mode: Optional[bool] = None,
                 lazy_init: bool = False) -> None:
        if not 0 <= max_share < 1:
            raise ValueError('SkipUnreadableSamples: max_share must be in '
                             f'[0, 1) (a share of the dataset), got '
                             f'{max_share!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset,
                                                             dict) else dataset
        self.max_share = max_share
        self.test_mode = bool(
            getattr(self.dataset, 'test_mode', False) if test_mode is
            None else test_mode)
        self.unreadable: Set[int] = set()
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self) -> None:
        self.dataset.full_init()

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def __len__(self) -> int:
        return len(self.dataset)

    def sample_name(self, idx: int) -> str:
        """The file (or frame folder) of sample ``idx``."""
        info = self.dataset.get_data_info(idx)
        for key in ('filename', 'frame_dir', 'img_path'):
            if key in info:
                return str(info[key])
        return f'sample {idx}'

    def _record(self, idx: int, error: Exception) -> None:
        """Log an unreadable sample; stop past ``max_share``."""
        self.unreadable.add(idx)
        name = self.sample_name(idx)
        action = 'left out' if self.test_mode else 'replaced'
        print_log(
            f'SkipUnreadableSamples: unreadable sample {idx} {name!r} '
            f'{action} ({type(error).__name__}: {error})',
            logger='current',
            level=logging.WARNING)
        limit = self.max_share * len(self)
        if len(self.unreadable) > limit:
            names = [self.sample_name(i) for i in sorted(self.unreadable)]
            shown = ', '.join(map(repr, names[:10])) + (
                f' and {len(names) - 10} more' if len(names) > 10 else '')
            raise RuntimeError(
                f'SkipUnreadableSamples: {len(names)} of the {len(self)} '
                f'samples are unreadable, more than max_share='
                f'{self.max_share} allows ({limit:g}): {shown}. Repair or '
                'remove them (tools/data/check_videos.py writes a list of '
                'the good entries) or raise max_share (--skip-unreadable).'
            ) from error

    def __getitem__(self, idx: int) -> Any:
        try:
            return self.dataset[idx]
        except UNREADABLE_ERRORS as error:
            self._record(idx, error)
        if self.test_mode:
            return {SKIPPED_KEY: self.sample_name(idx)}
        for step in range(1, len(self)):
            other = (idx + step) % len(self)
            try:
                return self.dataset[other]
            except UNREADABLE_ERRORS as error:
                self._record(other, error)
        raise RuntimeError('SkipUnreadableSamples: no readable sample')


@FUNCTIONS.register_module()
def collate_skipping_unreadable(data_batch: Sequence) -> Any:
    """MMEngine's ``pseudo_collate`` of the readable samples of a batch;
    the names of the left-out ones (see :class:`SkipUnreadableSamples`) go
    to ``skipped_unreadable``, a list of names."""
    kept = [s for s in data_batch if not _is_skipped(s)]
    skipped = [s[SKIPPED_KEY] for s in data_batch if _is_skipped(s)]
    if not kept:
        raise RuntimeError(
            f'every sample of a test batch is unreadable ({skipped}): '
            'nothing left to evaluate in it; repair or remove them')
    batch = pseudo_collate(kept)
    if skipped:
        # carried by the first kept sample's metainfo, which reaches the
        # metrics in its prediction (extra batch keys would reach forward)
        first = batch['data_samples'][0]
        first.set_metainfo(
            {SKIPPED_KEY: list(first.metainfo.get(SKIPPED_KEY, [])) + skipped})
    return batch


def _is_skipped(sample: Any) -> bool:
    return isinstance(sample, dict) and SKIPPED_KEY in sample


@METRICS.register_module()
class UnreadableSamplesMetric(BaseMetric):
    """Counts and names the samples that :class:`SkipUnreadableSamples`
    left out of a test: ``data/skipped_unreadable``, the count (0 when
    every video was read)."""

    default_prefix = 'data'

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.extend(
                dict(name=name) for name in sample.get(SKIPPED_KEY, []))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        names = sorted({r['name'] for r in results})
        if names:
            print_log(
                f'{len(names)} unreadable videos were left out of this '
                f'evaluation: {names}',
                logger='current',
                level=logging.WARNING)
        return dict(skipped_unreadable=len(names))


def skip_unreadable_in_config(
    cfg: Union[Config, ConfigDict],
    max_share: float,
    loaders: Sequence[str] = ('train_dataloader', 'val_dataloader',
                              'test_dataloader')
) -> None:
    """Wrap the datasets of ``loaders`` in :class:`SkipUnreadableSamples`,
    in place; the evaluating ones (val, test) also get the collate function
    and :class:`UnreadableSamplesMetric` in their evaluator."""
    for key in loaders:
        loader = cfg.get(key)
        if not loader:
            continue
        evaluating = key != 'train_dataloader'
        loader['dataset'] = dict(
            type='SkipUnreadableSamples',
            dataset=loader['dataset'],
            max_share=max_share,
            test_mode=evaluating)
        if not evaluating:
            continue
        loader['collate_fn'] = dict(type='collate_skipping_unreadable')
        evaluator_key = key.replace('dataloader', 'evaluator')
        evaluators = cfg.get(evaluator_key)
        if evaluators is None:
            continue
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg[evaluator_key] = [
            *evaluators, dict(type='UnreadableSamplesMetric')
        ]
