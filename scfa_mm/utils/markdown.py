"""Markdown for the results pages: figures over seeds and tables written
between markers, so that a tool can rewrite its table in a page whose
text around it is kept."""
import os.path as osp
from typing import Sequence

import numpy as np


def mean_std(values: Sequence[float],
             percent: bool = True,
             digits: int = 1) -> str:
    """``values`` (one per seed) as ``mean ± std`` (sample deviation,
    ``ddof=1``), or as the value alone when there is one.

    Args:
        values (Sequence[float]): The figure of every seed.
        percent (bool): Shares in ``[0, 1]`` shown as percents. Defaults
            to True.
        digits (int): Digits after the decimal point. Defaults to 1.

    Returns:
        str: E.g. ``'81.2 ± 1.3%'``, or ``'81.2%'`` for one seed.
    """
    scale, unit = (100, '%') if percent else (1, '')
    values = np.array(values) * scale
    if len(values) == 1:
        return f'{values[0]:.{digits}f}{unit}'
    return (f'{values.mean():.{digits}f} ± '
            f'{values.std(ddof=1):.{digits}f}{unit}')


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[str]]) -> str:
    """A markdown table of ``header`` and ``rows`` (cells as text)."""
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def write_between_markers(path: str, text: str, tag: str = '') -> None:
    """Replace what stands between the ``results`` markers of ``path`` by
    ``text``; the rest of the page is kept.

    The markers are ``<!-- results: begin -->`` and
    ``<!-- results: end -->``, or ``<!-- results TAG: begin -->`` ... with
    a ``tag``, for pages with more than one table. A missing page is
    created with a title; a page without the markers gets them appended.

    Args:
        path (str): The markdown page.
        text (str): What goes between the markers.
        tag (str): Names the pair of markers. Defaults to ''.
    """
    name = f'results {tag}' if tag else 'results'
    begin, end = f'<!-- {name}: begin -->', f'<!-- {name}: end -->'
    old = open(path).read() if osp.isfile(path) else \
        f'# Results on the synthetic set\n\n{begin}\n{end}\n'
    if begin not in old or end not in old:
        old += f'\n{begin}\n{end}\n'
    head, rest = old.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, 'w') as f:
        f.write(f'{head}{begin}\n{text}\n{end}{tail}')
