"""Write MMAction2 VideoDataset lists for the three UCF101 splits.

Input, as in the official archives:

- ``--videos``: the video tree ``<Class>/v_<Class>_gXX_cYY.avi`` (the
  ``UCF-101`` folder of ``UCF101.rar``, 101 classes);
- ``--splits``: the ``ucfTrainTestlist`` folder of the split archive, with
  ``classInd.txt`` (lines ``<index> <Class>``, indices from 1),
  ``trainlist0{1,2,3}.txt`` (lines ``<Class>/<video>.avi <index>``) and
  ``testlist0{1,2,3}.txt`` (lines ``<Class>/<video>.avi``, no label).

Output in ``--out``: ``ucf101_{train,val}_split_{k}_videos.txt`` (lines
``<Class>/<video>.avi <label>``, the layout of MMAction2's UCF101 configs)
and ``classnames.txt`` (one class a line, in label order). Labels are
classInd's indices minus one. A list line whose class classInd lacks, or
whose label disagrees with classInd, is an error naming the file and line.
A listed video that the tree lacks is an error (``--skip-missing`` writes
the lists without it, still naming each); videos of the tree that no list
names are reported. Running it again rewrites the same files.

Example:
    python tools/data/ucf101/prepare.py --videos data/ucf101/videos \
        --splits data/ucf101/ucfTrainTestlist --out data/ucf101
"""
import argparse
import glob
import os
import os.path as osp
import sys
from typing import Dict, List, Tuple

SPLITS = (1, 2, 3)
SUBSETS = {'train': 'trainlist', 'val': 'testlist'}


def read_class_index(path: str) -> Dict[str, int]:
    """``{class name: 0-based label}`` from ``classInd.txt``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing (the class index of '
                                f'the official split archive)')
    labels: Dict[str, int] = {}
    for number, line in enumerate(open(path), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not fields[0].isdigit():
            raise ValueError(f'{path}:{number}: expected "<index> <Class>", '
                             f'got {line.strip()!r}')
        index, name = int(fields[0]), fields[1]
        if name in labels or index - 1 in labels.values() or index < 1:
            raise ValueError(f'{path}:{number}: class {name!r} or index '
                             f'{index} repeated (or below 1)')
        labels[name] = index - 1
    if sorted(labels.values()) != list(range(len(labels))):
        raise ValueError(f'{path}: indices are not 1..{len(labels)}')
    return labels


def read_list(path: str, labels: Dict[str, int],
              with_label: bool) -> List[Tuple[str, int, int]]:
    """``[(<Class>/<video>.avi, 0-based label, line number), ...]`` from a
    train or test list; the class is the video's folder."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing')
    entries = []
    for number, line in enumerate(open(path), 1):
        fields = line.split()
        if not fields:
            continue
        expected = 2 if with_label else 1
        if len(fields) != expected or fields[0].count('/') != 1:
            form = ('"<Class>/<video>.avi <index>"'
                    if with_label else '"<Class>/<video>.avi"')
            raise ValueError(f'{path}:{number}: expected {form}, got '
                             f'{line.strip()!r}')
        video = fields[0]
        name = video.split('/')[0]
        if name not in labels:
            raise ValueError(f'{path}:{number}: class {name!r} of {video} '
                             f'is not in classInd.txt')
        if with_label and fields[1] != str(labels[name] + 1):
            raise ValueError(
                f'{path}:{number}: {video} has index {fields[1]}, '
                f'classInd.txt gives {name!r} index {labels[name] + 1}')
        entries.append((video, labels[name], number))
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--videos', default='data/ucf101/videos')
    parser.add_argument('--splits', default='data/ucf101/ucfTrainTestlist')
    parser.add_argument('--out', default='data/ucf101')
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help='write the lists without videos that are '
        'missing from --videos (each is still named)')
    args = parser.parse_args()

    labels = read_class_index(osp.join(args.splits, 'classInd.txt'))
    lists = {}
    for split in SPLITS:
        for subset, stem in SUBSETS.items():
            path = osp.join(args.splits, f'{stem}0{split}.txt')
            lists[split,
                  subset] = (path, read_list(path, labels, subset == 'train'))
    on_disk = {
        osp.relpath(path, args.videos)
        for path in glob.glob(osp.join(args.videos, '*', '*.avi'))
    }
    missing = []
    for (split, subset), (path, entries) in lists.items():
        for video, _, number in entries:
            if video not in on_disk:
                missing.append(video)
                print(
                    f'missing: {path}:{number}: {video} is not in '
                    f'{args.videos}',
                    file=sys.stderr)
    listed = {entry[0] for _, entries in lists.values() for entry in entries}
    extra = sorted(on_disk - listed)
    for video in extra:
        print(
            f'extra: {video} is in {args.videos} but in no list '
            f'(not listed)',
            file=sys.stderr)
    missing_set = set(missing)
    if missing and not args.skip_missing:
        sys.exit(f'{len(missing_set)} listed videos are missing (named '
                 f'above); fix the video tree or pass --skip-missing')

    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'classnames.txt'), 'w') as f:
        f.writelines(f'{name}\n' for name in sorted(labels, key=labels.get))
    for (split, subset), (_, entries) in sorted(lists.items()):
        lines = [
            f'{video} {label}\n' for video, label, _ in entries
            if video not in missing_set
        ]
        out = osp.join(args.out, f'ucf101_{subset}_split_{split}_videos.txt')
        with open(out, 'w') as f:
            f.writelines(lines)
        print(f'split {split} {subset}: {len(lines)} videos -> {out}')
    print(f'{len(labels)} classes; {len(missing_set)} missing, '
          f'{len(extra)} extra videos')


if __name__ == '__main__':
    main()
