"""Write MMAction2 VideoDataset lists for the three HMDB51 splits.

Input, as in the official archives:

- ``--videos``: the video tree ``<class>/<video>.avi`` (51 classes);
- ``--splits``: ``testTrainMulti_7030_splits/<class>_test_split<k>.txt``,
  lines ``<video>.avi <0|1|2>`` (1 = train, 2 = test, 0 = unused).

Output in ``--out``: ``hmdb51_{train,val}_split_{k}_videos.txt`` (lines
``<class>/<video>.avi <label>``, the layout of MMAction2's HMDB51 configs)
and ``classnames.txt``. Labels follow the alphabetical order of the class
names, as in MMAction2's HMDB51 tools. A video that a split file lists but
the tree lacks is an error (``--skip-missing`` writes the lists without
them, still naming each); videos of the tree that no split lists are
reported. Running it again rewrites the same files.

Example:
    python tools/data/hmdb51/prepare.py --videos data/hmdb51/videos \
        --splits data/hmdb51/testTrainMulti_7030_splits --out data/hmdb51
"""
import argparse
import glob
import os
import os.path as osp
import re
import sys
from typing import Dict, List, Tuple

SPLIT_FILE = re.compile(r'^(?P<name>.+)_test_split(?P<split>[123])\.txt$')
USES = {'1': 'train', '2': 'val', '0': None}


def read_split_files(splits_dir: str) -> Dict[int, Dict[str, List[str]]]:
    """``{split: {class: [(video, use), ...]}}`` from the official files."""
    table: Dict[int, Dict[str, List[Tuple[str, str]]]] = {}
    for path in sorted(glob.glob(osp.join(splits_dir, '*_test_split*.txt'))):
        match = SPLIT_FILE.match(osp.basename(path))
        if not match:
            continue
        entries = []
        for number, line in enumerate(open(path), 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or fields[1] not in USES:
                raise ValueError(f'{path}:{number}: expected "<video>.avi '
                                 f'<0|1|2>", got {line.strip()!r}')
            entries.append((fields[0], fields[1]))
        split = int(match.group('split'))
        table.setdefault(split, {})[match.group('name')] = entries
    if not table:
        raise FileNotFoundError(
            f'no <class>_test_split<k>.txt file in {splits_dir}')
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--videos', default='data/hmdb51/videos')
    parser.add_argument(
        '--splits', default='data/hmdb51/testTrainMulti_7030_splits')
    parser.add_argument('--out', default='data/hmdb51')
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help='write the lists without videos that are '
        'missing from --videos (each is still named)')
    args = parser.parse_args()

    table = read_split_files(args.splits)
    classes = sorted(set().union(*(set(t) for t in table.values())))
    for split, per_class in table.items():
        if set(per_class) != set(classes):
            raise ValueError(
                f'split {split} has files for {len(per_class)} classes, '
                f'others for {len(classes)}: missing '
                f'{sorted(set(classes) - set(per_class))}')
    on_disk = {
        osp.relpath(path, args.videos)
        for path in glob.glob(osp.join(args.videos, '*', '*.avi'))
    }
    listed = {
        f'{name}/{video}'
        for per_class in table.values()
        for name, entries in per_class.items()
        for video, _ in entries
    }
    missing = sorted(listed - on_disk)
    extra = sorted(on_disk - listed)
    for video in missing:
        print(
            f'missing: {video} is in the split files but not in '
            f'{args.videos}',
            file=sys.stderr)
    for video in extra:
        print(
            f'extra: {video} is in {args.videos} but in no split file '
            f'(not listed)',
            file=sys.stderr)
    if missing and not args.skip_missing:
        sys.exit(f'{len(missing)} listed videos are missing (named above); '
                 f'fix the video tree or pass --skip-missing')

    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'classnames.txt'), 'w') as f:
        f.writelines(f'{name}\n' for name in classes)
    missing_set = set(missing)
    for split in sorted(table):
        lists = {'train': [], 'val': []}
        for label, name in enumerate(classes):
            for video, use in table[split][name]:
                path = f'{name}/{video}'
                if USES[use] and path not in missing_set:
                    lists[USES[use]].append(f'{path} {label}\n')
        for subset, lines in lists.items():
            out = osp.join(args.out,
                           f'hmdb51_{subset}_split_{split}_videos.txt')
            with open(out, 'w') as f:
                f.writelines(lines)
            print(f'split {split} {subset}: {len(lines)} videos -> {out}')
    print(f'{len(classes)} classes; {len(missing)} missing, {len(extra)} '
          f'extra videos')


if __name__ == '__main__':
    main()
