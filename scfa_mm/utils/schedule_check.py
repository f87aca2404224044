"""Epoch-based learning-rate schedules that follow ``train_cfg.max_epochs``.

A schedule config names its length twice: ``train_cfg.max_epochs`` and the
``end`` / ``T_max`` of its ``param_scheduler`` entries. Overriding only the
first (``--cfg-options train_cfg.max_epochs=200`` on a 100-epoch config)
leaves the cosine at its old length: epochs 100-199 then run at its final,
near-zero rate. :func:`fit_schedule_to_max_epochs` makes the schedule
follow ``max_epochs`` where that is unambiguous, and refuses otherwise.
"""
import copy
import math
from typing import List, Union

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log


def _horizon(scheduler: dict) -> float:
    """The epoch at which an epoch-based scheduler stops changing:
    ``end``, or ``begin + T_max`` for one without an ``end``."""
    if scheduler.get('end') is not None:
        return float(scheduler['end'])
    if scheduler.get('T_max') is not None:
        return float(scheduler.get('begin', 0)) + float(scheduler['T_max'])
    return math.inf


def fit_schedule_to_max_epochs(cfg: Union[Config, ConfigDict]) -> List[str]:
    """Stretch or shrink the epoch-based ``param_scheduler`` to end at
    ``train_cfg.max_epochs``, in place, or refuse.

    The schedule's length is the latest end among its epoch-based entries
    (``end``, or ``begin + T_max`` for one without ``end``). When it
    differs from ``max_epochs``:

    - the entries that end last (the final phase, e.g. the cosine after a
      warm-up) are moved to end at ``max_epochs``: ``end`` set to it and
      ``T_max`` changed by the same number of epochs (so a cosine that
      decays to ``eta_min`` at its end still does); earlier phases (a
      warm-up) keep their epochs;
    - if an earlier phase, or the start of the final one, does not fit
      before ``max_epochs`` (e.g. 3 epochs with a 5-epoch warm-up), which
      schedule is meant is not clear: ValueError naming the keys to set.

    Iteration-based entries (``by_epoch=False``) are left alone. A
    resumed run takes its schedulers' state from the checkpoint (MMEngine),
    so this only shapes runs that start afresh.

    Args:
        cfg: The config; changed in place.

    Returns:
        list[str]: One line per changed key (empty when none changed).
    """
    train_cfg = cfg.get('train_cfg') or {}
    max_epochs = train_cfg.get('max_epochs')
    schedulers = cfg.get('param_scheduler')
    if max_epochs is None or not schedulers:
        return []
    single = isinstance(schedulers, dict)
    entries = [schedulers] if single else list(schedulers)
    by_epoch = [(i, s) for i, s in enumerate(entries)
                if s.get('by_epoch', True)]
    horizons = {i: _horizon(s) for i, s in by_epoch}
    finite = [h for h in horizons.values() if math.isfinite(h)]
    if not finite or max(finite) == max_epochs:
        return []
    length = max(finite)

    def key(i: int, name: str) -> str:
        return ('param_scheduler' if single else f'param_scheduler[{i}]') \
            + f'.{name}'

    final = [i for i, h in horizons.items() if h == length]
    blocking = [
        f'{key(i, "end")} = {entries[i].get("end", horizons[i])}'
        for i, h in horizons.items() if i not in final and h > max_epochs
    ] + [
        f'{key(i, "begin")} = {entries[i].get("begin", 0)}'
        for i in final if entries[i].get('begin', 0) >= max_epochs
    ]
    if blocking:
        raise ValueError(
            f'train_cfg.max_epochs = {max_epochs}, but param_scheduler is '
            f'a {length:g}-epoch schedule whose phases do not fit in '
            f'{max_epochs} epochs ({"; ".join(blocking)}): set the '
            'begin/end/T_max of the param_scheduler entries for '
            f'{max_epochs} epochs too (e.g. with --cfg-options).')
    changes = []
    delta = max_epochs - length
    new_entries = copy.deepcopy(entries)
    for i in final:
        scheduler = new_entries[i]
        if scheduler.get('end') is not None:
            changes.append(
                f'{key(i, "end")}: {scheduler["end"]} -> {max_epochs}')
            scheduler['end'] = max_epochs
        if scheduler.get('T_max') is not None:
            new_t_max = scheduler['T_max'] + delta
            changes.append(
                f'{key(i, "T_max")}: {scheduler["T_max"]} -> {new_t_max}')
            scheduler['T_max'] = new_t_max
    cfg.param_scheduler = new_entries[0] if single else new_entries
    print_log(
        f'train_cfg.max_epochs = {max_epochs} differs from the '
        f'{length:g} epochs of param_scheduler: its final phase now ends at '
        f'epoch {max_epochs} ({", ".join(changes)})',
        logger='current')
    return changes
