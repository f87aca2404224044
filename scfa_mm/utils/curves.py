"""Training curves of any MMEngine work dir.

MMEngine's ``LocalVisBackend`` writes, per run, one JSON object a line to
``WORK_DIR/<timestamp>/vis_data/scalars.json``:

- a training record per logging interval: ``iter`` (the global iteration,
  counted from 1), ``step`` (the same), ``epoch`` (epoch-based loops only),
  ``lr``, ``loss`` and every loss term, ``time``, ``data_time``, ...;
- a validation record per validation: ``step`` (the epoch, or the iteration
  when the ``LoggerHook`` has ``log_metric_by_epoch=False`` or the loop is
  iteration-based) and the metrics (``acc/top1``, ...); no ``iter``.

A work dir holds one ``<timestamp>`` folder per launch. A run resumed from
a checkpoint starts where the checkpoint ended, so the launches are read
oldest first and each one replaces what the earlier ones logged from its
first iteration (or validation step) on: a resumed run continues the curve,
a run restarted from scratch replaces it. MMAction2's
``tools/analysis_tools/analyze_logs.py`` expects MMCV 1.x logs (a ``mode``
and an ``epoch`` in every record) and fails on these files.
"""
import glob
import json
import os.path as osp
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: Keys of a record that say where it was logged, not what.
POSITION_KEYS = ('epoch', 'iter', 'step')
SCALARS = osp.join('vis_data', 'scalars.json')


@dataclass
class TrainingLog:
    """The scalars of one work dir, its launches merged.

    Attributes:
        work_dir (str): The work dir as given.
        runs (list[str]): The launch folders read, oldest first.
        train (list[dict]): Training records, by increasing ``iter``.
        val (list[dict]): Validation records, by increasing ``step``.
        val_by (str): What a validation ``step`` counts: ``'epoch'`` or
            ``'iter'``.
    """
    work_dir: str
    runs: List[str] = field(default_factory=list)
    train: List[dict] = field(default_factory=list)
    val: List[dict] = field(default_factory=list)
    val_by: str = 'epoch'

    @property
    def name(self) -> str:
        """The work dir's folder name, to label its curves."""
        return osp.basename(osp.normpath(self.work_dir))

    def keys(self) -> Dict[str, List[str]]:
        """The plottable keys: ``{'train': [...], 'val': [...]}``."""
        return {
            mode:
            sorted({
                key
                for record in records
                for key, value in record.items()
                if key not in POSITION_KEYS and _is_number(value)
            })
            for mode, records in (('train', self.train), ('val', self.val))
        }


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def find_scalar_files(work_dir: str) -> List[str]:
    """The ``scalars.json`` of every launch in ``work_dir``, oldest first.

    ``work_dir`` may also be one launch folder (``WORK_DIR/<timestamp>``).

    Raises:
        FileNotFoundError: Without any, naming the work dir and the path
            expected.
    """
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work dir {work_dir} does not exist')
    if osp.isfile(osp.join(work_dir, SCALARS)):
        return [osp.join(work_dir, SCALARS)]
    # timestamps (YYYYMMDD_HHMMSS) sort by time as strings
    paths = sorted(glob.glob(osp.join(work_dir, '*', SCALARS)))
    if not paths:
        raise FileNotFoundError(
            f'{work_dir} holds no training log: expected '
            f'{osp.join(work_dir, "<timestamp>", SCALARS)}, which MMEngine '
            'writes for every run of tools/train.py with the default '
            "visualizer (vis_backends=[dict(type='LocalVisBackend')])")
    return paths


def read_scalars(path: str) -> Tuple[List[dict], List[dict]]:
    """The training and validation records of one ``scalars.json``.

    A last line cut short (a run killed while writing) is left out with a
    warning; a broken line elsewhere raises ``ValueError`` with its number.
    """
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    train, val = [], []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            if number == len(lines):
                warnings.warn(f'{path}: last line {number} is incomplete '
                              f'({error}); left out')
                continue
            raise ValueError(f'{path}, line {number}: not JSON: {error}')
        if 'iter' in record:
            train.append(record)
        elif 'step' in record:
            val.append(record)
    return train, val


def _continue(merged: List[dict], new: List[dict], key: str) -> List[dict]:
    """``merged`` up to where ``new`` starts, then ``new``."""
    if not new:
        return merged
    start = min(record[key] for record in new)
    return [r for r in merged if r[key] < start] + new


def read_training_log(work_dir: str) -> TrainingLog:
    """Read and merge the launches of ``work_dir`` (see the module doc).

    Launches that logged no training record (``runner.val()`` alone) are
    left out.
    """
    log = TrainingLog(work_dir)
    for path in find_scalar_files(work_dir):
        train, val = read_scalars(path)
        if not train:
            continue
        log.runs.append(osp.dirname(osp.dirname(path)))
        log.train = _continue(log.train, train, 'iter')
        log.val = _continue(log.val, val, 'step')
    if not log.runs:
        raise FileNotFoundError(
            f'{work_dir}: no scalars.json holds a training record (one with '
            '"iter"); was the model trained there?')
    log.train.sort(key=lambda r: r['iter'])
    log.val.sort(key=lambda r: r['step'])
    epochs = [r['epoch'] for r in log.train if 'epoch' in r]
    # validation steps count epochs unless they run past the last epoch
    if not epochs or (log.val and log.val[-1]['step'] > max(epochs)):
        log.val_by = 'iter'
    return log


def curve(log: TrainingLog,
          key: str,
          x: str = 'iter') -> Tuple[np.ndarray, np.ndarray, str]:
    """The points of ``key`` in ``log``.

    Args:
        log (TrainingLog): A work dir's records.
        key (str): A training key (``loss``, ``lr``, ...) or a validation
            key (``acc/top1``, ...). A key logged in both modes (``time``)
            is the training one; write ``val:time`` for the other
            (``train:`` is accepted too).
        x (str): For training keys, ``'iter'`` (every logged value at its
            iteration) or ``'epoch'`` (the mean of each epoch's logged
            values). Validation keys are always against their step.

    Returns:
        tuple: ``(xs, ys, x_label)``; ``x_label`` is ``'iteration'`` or
        ``'epoch'``.

    Raises:
        KeyError: ``key`` was not logged, listing the keys that were.
    """
    if x not in ('iter', 'epoch'):
        raise ValueError(f"x must be 'iter' or 'epoch', got {x!r}")
    mode, _, name = key.rpartition(':')
    if mode not in ('', 'train', 'val'):
        mode, name = '', key
    keys = log.keys()
    if mode == 'val' or (not mode and name not in keys['train']
                         and name in keys['val']):
        if name not in keys['val']:
            raise KeyError(f'{log.work_dir}: no validation key {name!r}; '
                           f'logged: {keys["val"]}')
        points = [(r['step'], r[name]) for r in log.val if name in r]
        xs, ys = np.array(points, np.float64).T
        return xs, ys, 'epoch' if log.val_by == 'epoch' else 'iteration'
    if name not in keys['train']:
        raise KeyError(f'{log.work_dir}: no key {key!r}; logged: training '
                       f'{keys["train"]}, validation {keys["val"]}')
    records = [r for r in log.train if name in r]
    if x == 'iter':
        xs, ys = np.array([(r['iter'], r[name]) for r in records],
                          np.float64).T
        return xs, ys, 'iteration'
    if 'epoch' not in records[0]:
        raise ValueError(f'{log.work_dir} was trained by iteration: its '
                         'records have no epoch; plot against iterations')
    epochs = np.array([r['epoch'] for r in records])
    values = np.array([r[name] for r in records], np.float64)
    xs = np.unique(epochs)
    ys = np.array([values[epochs == epoch].mean() for epoch in xs])
    return xs.astype(np.float64), ys, 'epoch'


def plot_training_curves(logs: Sequence[TrainingLog],
                         keys: Sequence[str],
                         x: str = 'iter',
                         labels: Optional[Sequence[str]] = None,
                         columns: int = 3) -> Figure:
    """One panel per key, one line per work dir.

    A work dir that did not log a key is left out of that panel with a
    warning; a key that no work dir logged raises ``KeyError``.

    Args:
        logs (Sequence[TrainingLog]): The work dirs to compare.
        keys (Sequence[str]): Keys to plot (see :func:`curve`).
        x (str): ``'iter'`` or ``'epoch'``, for training keys.
        labels (Sequence[str], optional): A label per log; defaults to the
            work dirs' folder names.
        columns (int): Panels per row. Defaults to 3.

    Returns:
        Figure: A matplotlib figure (no pyplot state), ``fig.axes[i]``
        holding ``keys[i]``; save it with ``fig.savefig(path)``.
    """
    if not keys:
        raise ValueError('no key to plot')
    labels = list(labels) if labels else _unique_names(logs)
    columns = min(columns, len(keys))
    rows = -(-len(keys) // columns)
    fig = Figure(figsize=(4.2 * columns, 3.2 * rows))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, key in zip(axes, keys):
        missing = []
        for log, label in zip(logs, labels):
            try:
                xs, ys, x_label = curve(log, key, x)
            except KeyError as error:
                missing.append(error.args[0])
                continue
            ax.plot(xs, ys, 'o-' if len(xs) <= 30 else '-', ms=3, label=label)
            ax.set_xlabel(x_label)
        if len(missing) == len(logs):
            raise KeyError('; '.join(missing))
        for message in missing:
            warnings.warn(message)
        ax.set_title(key)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if len(logs) > 1:
            ax.legend(fontsize=8)
    for ax in axes[len(keys):]:
        ax.axis('off')
    fig.tight_layout()
    return fig


def _unique_names(logs: Sequence[TrainingLog]) -> List[str]:
    """Folder names, with their parents while two are alike."""
    names = [log.name for log in logs]
    if len(set(names)) == len(names):
        return names
    return [osp.normpath(log.work_dir) for log in logs]


def save_training_curves(
    work_dir: str,
    out: str,
    keys: Sequence[str] = ('loss_supcon', 'loss_cls', 'acc/top1'),
    dpi: int = 100,
) -> List[str]:
    """Draw, in one figure saved to ``out``, those of ``keys`` that the run
    in ``work_dir`` logged (training or validation), in their order.

    Returns:
        list[str]: The keys drawn.
    """
    log = read_training_log(work_dir)
    logged = set(sum(log.keys().values(), []))
    drawn = [key for key in keys if key in logged]
    fig = plot_training_curves([log], drawn)
    fig.savefig(out, dpi=dpi)
    return drawn
