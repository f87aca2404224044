"""Write the caption annotation files of MSVD from the official release.

Input:

- ``--annotations``: the captions, either the official ``MSR Video Description
  Corpus.csv`` (columns ``VideoID, Start, End, WorkerID, Source,
  AnnotationTime, Language, Description``; the English rows are kept and
  the clip is ``f'{VideoID}_{Start}_{End}'``) or the widespread
  ``AllVideoDescriptions.txt`` (lines ``<clip> <caption>`` after comment
  lines that start with ``#``); ``--format`` tells which, by default the
  file's extension (``.csv`` or ``.txt``);
- ``--mapping``: ``youtube_mapping.txt`` (lines ``<clip> vid<N>``), which
  fixes the standard split of Venugopalan et al. (2015) that MSVD
  captioning papers use: in the order of ``N``, the first 1200 clips
  train, the next 100 val, the last 670 test (``--split-sizes`` changes
  the three numbers for a subset; they must add up to the mapping's
  length);
- ``--video-root``: the folder of ``<clip>.avi`` (``YouTubeClips/``).

Output in ``--out``: ``train.json``, ``val.json`` and ``test.json``, JSON
lists of ``{"video": "<clip>.avi", "video_id": "<clip>", "captions"}``
records for ``VideoCaptionDataset`` (``--video-root`` is the config's
``data_prefix['video']``), in the order of ``N``. Captions keep the
annotators' text (stripped of surrounding blanks) in file order. Annotated
clips that the mapping lacks (the CSV describes more clips than the 1970
of the release) are left out and counted.

A missing or malformed file (a CSV without a required column, a row with
too many fields, a mapping line that is not ``<clip> vid<N>``, a clip or
number mapped twice) is an error that names the file and the line; so is
a mapped clip without an (English) caption. Mapped clips whose video file
is missing are all collected into one error (``--skip-missing`` leaves
them out, says how many and writes their names to
``OUT/missing_videos.txt``). Captions empty after stripping are left out
and counted in the summary. Running it again rewrites the same files.

Example:
    python tools/data/msvd/prepare_captions.py \
        --annotations "data/msvd/MSR Video Description Corpus.csv" \
        --mapping data/msvd/youtube_mapping.txt \
        --video-root data/msvd/videos --out data/msvd/annotations
"""
import argparse
import csv
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from scfa_mm.datasets.caption_lists import (MISSING_LIST, first_names,
                                            write_caption_lists)

SPLITS = ('train', 'val', 'test')
STANDARD_SIZES = '1200,100,670'
CSV_COLUMNS = ('VideoID', 'Start', 'End', 'Language', 'Description')
MAPPING_LINE = re.compile(r'^vid(\d+)$')


def read_lines(path: str, what: str) -> List[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} is missing')
    try:
        with open(path, encoding='utf-8-sig') as f:
            return f.read().splitlines()
    except UnicodeDecodeError as error:
        raise ValueError(f'{path} is not UTF-8 text: {error}') from error


def read_csv(path: str) -> Tuple[List[Tuple[str, str]], str]:
    """``(clip, caption)`` of the English rows of the official CSV, and a
    note on what was read."""
    read_lines(path, 'MSVD caption file')  # existence and encoding
    pairs, other_languages = [], 0
    with open(path, encoding='utf-8-sig', newline='') as f:
        reader = csv.reader(f)
        try:
            header = [name.strip() for name in next(reader, [])]
            missing = [name for name in CSV_COLUMNS if name not in header]
            if missing:
                raise ValueError(
                    f'{path}:1: the header lacks the columns {missing}; '
                    f'expected the official columns VideoID, Start, End, '
                    f'WorkerID, Source, AnnotationTime, Language, '
                    f'Description, got {header}')
            column = {name: header.index(name) for name in CSV_COLUMNS}
            for row in reader:
                if not any(field.strip() for field in row):
                    continue
                if len(row) > len(header):
                    raise ValueError(
                        f'{path}:{reader.line_num}: {len(row)} fields, the '
                        f'header has {len(header)} (an unquoted comma?)')
                row = row + [''] * (len(header) - len(row))
                value = {name: row[i].strip() for name, i in column.items()}
                if value['Language'] != 'English':
                    other_languages += 1
                    continue
                if not (value['VideoID'] and value['Start'] and value['End']):
                    raise ValueError(
                        f'{path}:{reader.line_num}: VideoID, Start and End '
                        f'must name the clip, got {row[:3]}')
                clip = f'{value["VideoID"]}_{value["Start"]}_{value["End"]}'
                pairs.append((clip, row[column['Description']]))
        except csv.Error as error:
            raise ValueError(f'{path}:{reader.line_num}: not valid CSV: '
                             f'{error}') from error
    return pairs, (f'{len(pairs)} English rows kept, {other_languages} in '
                   f'other languages left out')


def read_txt(path: str) -> Tuple[List[Tuple[str, str]], str]:
    """``(clip, caption)`` of ``AllVideoDescriptions.txt``, and a note."""
    pairs, comments = [], 0
    for line in read_lines(path, 'MSVD caption file'):
        if line.startswith('#'):
            comments += 1
        elif line.strip():
            clip, _, caption = line.strip().partition(' ')
            pairs.append((clip, caption))
    return pairs, (f'{len(pairs)} caption lines read, {comments} comment '
                   f'lines skipped')


def read_mapping(path: str) -> List[str]:
    """The clips of ``youtube_mapping.txt`` in the order of ``vid<N>``."""
    numbers: Dict[int, str] = {}
    lines: Dict[str, int] = {}
    for number, line in enumerate(read_lines(path, 'MSVD split mapping'), 1):
        fields = line.split()
        if not fields:
            continue
        match = MAPPING_LINE.match(fields[1]) if len(fields) == 2 else None
        if match is None:
            raise ValueError(f'{path}:{number}: expected "<clip> vid<N>", '
                             f'got {line.strip()!r}')
        clip, vid = fields[0], int(match.group(1))
        if clip in lines or vid in numbers:
            raise ValueError(f'{path}:{number}: clip {clip} or vid{vid} is '
                             f'already mapped (line {lines.get(clip)} / '
                             f'{numbers.get(vid)})')
        lines[clip], numbers[vid] = number, clip
    if not numbers:
        raise ValueError(f'{path}: no "<clip> vid<N>" line')
    return [numbers[vid] for vid in sorted(numbers)]


def parse_sizes(text: str) -> List[int]:
    fields = text.split(',')
    if len(fields) != 3 or not all(f.strip().isdigit() for f in fields) \
            or min(int(f) for f in fields) < 1:
        raise ValueError(f'--split-sizes must be three positive integers '
                         f'"train,val,test" (e.g. {STANDARD_SIZES}), got '
                         f'{text!r}')
    return [int(f) for f in fields]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--annotations', default='data/msvd/MSR Video Description Corpus.csv')
    parser.add_argument(
        '--format',
        choices=['csv', 'txt'],
        help='csv: the official corpus CSV; txt: AllVideoDescriptions.txt '
        '(default: from the extension of --annotations)')
    parser.add_argument(
        '--mapping',
        default='data/msvd/youtube_mapping.txt',
        help='youtube_mapping.txt, required: it fixes the standard split')
    parser.add_argument(
        '--split-sizes',
        default=STANDARD_SIZES,
        help='train,val,test clip counts in the order of vid<N>')
    parser.add_argument(
        '--video-root',
        default='data/msvd/videos',
        help='the folder of <clip>.avi (data_prefix of the config)')
    parser.add_argument('--ext', default='.avi', help='video file suffix')
    parser.add_argument('--out', default='data/msvd/annotations')
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help=f'leave out videos whose file is missing (listed in '
        f'OUT/{MISSING_LIST})')
    args = parser.parse_args(argv)

    sizes = parse_sizes(args.split_sizes)
    fmt = args.format or osp.splitext(args.annotations)[1].lower().lstrip('.')
    if fmt not in ('csv', 'txt'):
        raise ValueError(
            f'cannot tell the format of {args.annotations} from its '
            f'extension; pass --format csv (the official '
            f'corpus CSV) or --format txt '
            f'(AllVideoDescriptions.txt)')
    if not osp.isfile(args.mapping):
        raise FileNotFoundError(
            f'split mapping {args.mapping} is missing: youtube_mapping.txt '
            f'(lines "<clip> vid<N>") fixes the standard train / val / test '
            f'split; pass its path with --mapping')
    pairs, note = (read_csv if fmt == 'csv' else read_txt)(args.annotations)
    clips = read_mapping(args.mapping)
    if sum(sizes) != len(clips):
        raise ValueError(
            f'{args.mapping} maps {len(clips)} clips but --split-sizes '
            f'{args.split_sizes} adds up to {sum(sizes)}')

    captions: Dict[str, List[str]] = {}
    empty = 0
    for clip, caption in pairs:
        if caption.strip():
            captions.setdefault(clip, []).append(caption.strip())
        else:
            empty += 1
            captions.setdefault(clip, [])
    without = [clip for clip in clips if not captions.get(clip)]
    if without:
        raise ValueError(
            f'{len(without)} clips of {args.mapping} have no '
            f'(non-empty{", English" if fmt == "csv" else ""}) '
            f'caption in {args.annotations}: {first_names(without)}')
    unmapped = sorted(set(captions) - set(clips))
    if not osp.isdir(args.video_root):
        raise FileNotFoundError(f'video folder {args.video_root} is missing')
    on_disk = set(os.listdir(args.video_root))

    outputs, missing, start = {}, [], 0
    for split, size in zip(SPLITS, sizes):
        outputs[split] = []
        for clip in clips[start:start + size]:
            if clip + args.ext not in on_disk:
                missing.append(clip + args.ext)
                continue
            outputs[split].append(
                dict(
                    video=clip + args.ext,
                    video_id=clip,
                    captions=captions[clip]))
        start += size
    write_caption_lists(
        outputs,
        missing,
        args.out,
        args.skip_missing,
        listed_in=args.mapping,
        searched=args.video_root)
    print(f'{args.annotations}: {note}; {empty} empty captions left out; '
          f'{len(unmapped)} annotated clips not in {args.mapping} left out'
          f'{": " + first_names(unmapped) if unmapped else ""}')


if __name__ == '__main__':
    main()
