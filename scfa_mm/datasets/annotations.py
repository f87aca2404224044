"""One reader of the annotation lists the plugin trains on, agreeing with
MMAction2's parsers about what is valid, and naming every bad line.

MMAction2's ``VideoDataset`` splits a line with ``line.strip().split(
delimiter)`` (one space by default) and ``RawframeDataset`` with
``line.strip().split()`` (any whitespace); both call ``int()`` on labels
and frame counts and fail on a bad line with a bare ``ValueError`` (``too
many values to unpack``, ``invalid literal for int()``), an empty list with
``need at least one array to concatenate``. Some mistakes they take in
silence: a tab in a video list (``a.mp4<TAB>3``) becomes one unlabelled
file name, a UTF-8 byte-order mark becomes part of the first path, and a
line listed twice counts twice. This module reads a list the way training
will and reports all of these with the file, the line number, the line and
the format expected:

- a line that training would reject or misread (blank line, empty field,
  tab in a video list, a label or frame count that is not a plain integer,
  too many labels for a single-label list, no frame);
- a UTF-8 byte-order mark at the start (an error: training would look for
  a path starting with U+FEFF; save the list without it);
- a path listed twice (the sample would weigh twice) and a path listed with
  different labels (contradictory);
- a path outside the data prefix (``..``, an absolute path), unless
  allowed;
- an empty list.

Paths are checked lexically (``os.path.normpath``), not through symbolic
links: a data folder that links elsewhere is a normal layout.
"""
import os.path as osp
import re
from collections import defaultdict
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.fileio import list_from_file

BOM = '\ufeff'
INTEGER = re.compile(r'-?[0-9]+')
MAX_SHOWN = 10


class AnnotationListError(ValueError):
    """An annotation list that training would reject or misread."""


class ListFormat(NamedTuple):
    """How a dataset reads its list (the arguments of MMAction2's
    ``VideoDataset`` and ``RawframeDataset`` that matter).

    Args:
        rawframes (bool): ``RawframeDataset`` (``folder frames label``)
            instead of ``VideoDataset`` (``path label``).
        multi_class (bool): Several labels per line.
        with_offset (bool): ``RawframeDataset``: ``folder offset frames
            label``.
        delimiter (str): ``VideoDataset``'s field separator.
    """
    rawframes: bool = False
    multi_class: bool = False
    with_offset: bool = False
    delimiter: str = ' '

    def describe(self) -> str:
        """The expected line, in words."""
        labels = '<label> [<label> ...]' if self.multi_class else '<label>'
        if self.rawframes:
            offset = '<offset> ' if self.with_offset else ''
            return (f'"<folder> {offset}<total frames> {labels}" '
                    '(RawframeDataset; fields separated by whitespace)')
        separator = 'single spaces' if self.delimiter == ' ' \
            else f'{self.delimiter!r}'
        return (f'"<path>{self.delimiter}{labels}" (VideoDataset; fields '
                f'separated by {separator}; a list without labels, '
                'one path a line, is read with label -1)')


class Entry(NamedTuple):
    """One valid line: its number, the path as listed, the frame count of a
    frame folder (None for a video) and the labels (``(-1,)`` for none)."""
    line: int
    path: str
    total_frames: Optional[int]
    labels: Tuple[int, ...]
    text: str


class Problem(NamedTuple):
    """One bad line (``line`` 0: the whole list)."""
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        where = f'line {self.line}: ' if self.line else ''
        return f'{where}{self.reason}: {self.text!r}' if self.text \
            else f'{where}{self.reason}'


def _parse_line(text: str, fmt: ListFormat) -> Tuple[Optional[tuple], str]:
    """``((path, total_frames, labels), '')`` or ``(None, reason)``."""
    if not text.strip():
        return None, 'blank line (training reads it as an entry)'
    if fmt.rawframes:
        fields = text.strip().split()
    else:
        fields = text.strip().split(fmt.delimiter)
        if '' in fields:
            return None, (f'empty field: {fmt.delimiter!r} repeated '
                          '(MMAction2 splits on each one)')
        if fmt.delimiter == ' ' and re.search(r'\s', ''.join(fields)):
            return None, ('whitespace other than single spaces between '
                          'fields (MMAction2 would read the whole line as '
                          'one file name)')
    path, rest = fields[0], fields[1:]
    total_frames = None
    if fmt.rawframes:
        counts = 2 if fmt.with_offset else 1
        if len(rest) < counts:
            return None, 'no frame count'
        numbers, rest = rest[:counts], rest[counts:]
        bad = [n for n in numbers if not INTEGER.fullmatch(n)]
        if bad:
            return None, f'frame count {bad[0]!r} is not an integer'
        total_frames = int(numbers[-1])
        if total_frames < 1:
            return None, f'frame count {total_frames} (at least 1 needed)'
        if int(numbers[0]) < 0:
            return None, f'negative offset {numbers[0]}'
    bad = [label for label in rest if not INTEGER.fullmatch(label)]
    if bad:
        return None, f'label {bad[0]!r} is not an integer'
    if not fmt.multi_class and len(rest) > 1:
        return None, (f'{len(rest)} labels in a single-label list (set '
                      'multi_class=True and num_classes for multi-label)')
    labels = tuple(int(label) for label in rest) or (-1, )
    return (path, total_frames, labels), ''


def outside_prefix(path: str, data_prefix: Optional[str]) -> bool:
    """Whether ``path`` of a list resolves outside ``data_prefix``
    (lexically: an absolute path or one climbing out with ``..``)."""
    if osp.isabs(path):
        return True
    joined = osp.normpath(osp.join(data_prefix or '.', path))
    root = osp.normpath(data_prefix or '.')
    if root == '.':
        return joined == '..' or joined.startswith('..' + osp.sep)
    return osp.commonpath([osp.abspath(joined),
                           osp.abspath(root)]) != osp.abspath(root)


def read_annotation_list(
        ann_file: str,
        fmt: ListFormat = ListFormat(),
        data_prefix: Optional[str] = None,
        allow_outside_prefix: bool = False
) -> Tuple[List[Entry], List[Problem]]:
    """The valid entries of a list and the problems of the others.

    A line with a problem is not among the entries; of a path listed twice
    with the same labels the first line is kept, of one listed with
    different labels none.

    Args:
        ann_file (str): The list (any MMEngine file backend).
        fmt (ListFormat): How the dataset reads it.
        data_prefix (str, optional): The folder of the listed paths.
        allow_outside_prefix (bool): Accept absolute paths and ``..``.

    Raises:
        AnnotationListError: If the file is not UTF-8 text.
    """
    try:
        lines = list_from_file(ann_file)
    except UnicodeDecodeError as error:
        raise AnnotationListError(
            f'annotation list {ann_file} is not UTF-8 text: {error}') from None
    entries, problems = [], []
    for number, text in enumerate(lines, 1):
        if number == 1 and text.startswith(BOM):
            problems.append(
                Problem(
                    number, text,
                    'starts with a UTF-8 byte-order mark, which training '
                    'reads as part of the path; save the list as UTF-8 '
                    "without BOM (sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)"))
            continue
        parsed, reason = _parse_line(text, fmt)
        if parsed is None:
            problems.append(Problem(number, text, reason))
        elif not allow_outside_prefix and outside_prefix(
                parsed[0], data_prefix):
            problems.append(
                Problem(
                    number, text, f'path outside the data prefix '
                    f'{data_prefix!r} (allow with the config key '
                    'allow_paths_outside_data_prefix = True)'))
        else:
            entries.append(Entry(number, *parsed, text))
    if not lines:
        problems.append(Problem(0, '', 'empty list: no entry'))
    entries, repeated = _drop_repeated(entries)
    problems = sorted(problems + repeated, key=lambda p: p.line)
    return entries, problems


def _drop_repeated(
        entries: Sequence[Entry]) -> Tuple[List[Entry], List[Problem]]:
    """Entries without repeated paths, and a problem per repeated line."""
    lines: Dict[str, List[Entry]] = defaultdict(list)
    for entry in entries:
        lines[osp.normpath(entry.path)].append(entry)
    dropped, problems = set(), []
    for group in lines.values():
        if len(group) == 1:
            continue
        first = group[0]
        if len({(e.labels, e.total_frames) for e in group}) == 1:
            for entry in group[1:]:
                dropped.add(entry.line)
                problems.append(
                    Problem(
                        entry.line, entry.text,
                        f'duplicate of line {first.line} (the sample '
                        'would count twice)'))
            continue
        numbers = ', '.join(str(e.line) for e in group)
        for entry in group:
            dropped.add(entry.line)
            problems.append(
                Problem(
                    entry.line, entry.text,
                    f'{entry.path} listed with different labels or frame '
                    f'counts on lines {numbers} (contradictory)'))
    return [e for e in entries if e.line not in dropped], problems


def format_problems(ann_file: str,
                    problems: Sequence[Problem],
                    fmt: ListFormat,
                    where: str = '') -> str:
    """One message: the file, the count, up to :data:`MAX_SHOWN` problems
    and the expected line."""
    shown = '\n  '.join(str(p) for p in problems[:MAX_SHOWN])
    more = f'\n  ... and {len(problems) - MAX_SHOWN} more' \
        if len(problems) > MAX_SHOWN else ''
    return (f'{where}annotation list {ann_file}: {len(problems)} '
            f'problem(s):\n  {shown}{more}\nExpected lines: {fmt.describe()}.')


def parse_annotation_list(ann_file: str,
                          fmt: ListFormat = ListFormat(),
                          data_prefix: Optional[str] = None,
                          allow_outside_prefix: bool = False,
                          where: str = '') -> List[Entry]:
    """The entries of a list that must be valid as a whole.

    Arguments as :func:`read_annotation_list`; ``where`` prefixes the
    message (e.g. the config key).

    Raises:
        AnnotationListError: Naming the file and, for up to
            :data:`MAX_SHOWN` bad lines, the line number, the reason and the
            line, with the expected format.
    """
    entries, problems = read_annotation_list(ann_file, fmt, data_prefix,
                                             allow_outside_prefix)
    if problems:
        raise AnnotationListError(
            format_problems(ann_file, problems, fmt, where))
    return entries
