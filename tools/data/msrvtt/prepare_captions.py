"""Write the caption annotation files of MSR-VTT from the official release.

Input, as in the official release:

- ``--annotations``: ``train_val_videodatainfo.json`` and
  ``test_videodatainfo.json``, each a JSON object with ``"videos"``
  (records with ``"video_id"`` such as ``"video0"`` and ``"split"``, one of
  ``"train"``, ``"validate"``, ``"test"``) and ``"sentences"`` (records
  with ``"video_id"`` and ``"caption"``); the split of a video is its
  ``"split"``, whichever file lists it;
- ``--video-root``: the folder of the videos ``<video_id>.mp4``, searched
  with its official subfolders ``TrainValVideo/`` and ``TestVideo/`` when
  it has them (or one folder of all 10,000 clips); ``--videos`` names the
  folders to search instead (all inside ``--video-root``).

Output in ``--out``: ``train.json``, ``val.json`` (the ``"validate"``
videos) and ``test.json``, JSON lists of ``{"video", "video_id",
"captions"}`` records for ``VideoCaptionDataset``, in the order of the
official ``"videos"`` lists. ``"video"`` is the clip's path relative to
``--video-root``, which the config takes as ``data_prefix['video']``.
Captions keep the annotators' text (stripped of surrounding blanks) in
file order; the full release gives 6513 / 497 / 2990 videos with 20
captions each.

A missing or malformed annotation file, a record without a required key,
an unknown split, a video listed twice and a video without a caption are
errors that name the file and the record. Videos listed in the annotations
whose file none of the video folders holds are all collected into one error
(``--skip-missing`` leaves them out, says how many and writes their names
to ``OUT/missing_videos.txt``). Captions empty after stripping are left
out and counted in the summary. Running it again rewrites the same files.

Example:
    python tools/data/msrvtt/prepare_captions.py --annotations \
        data/msrvtt/train_val_videodatainfo.json \
        data/msrvtt/test_videodatainfo.json \
        --video-root data/msrvtt/videos --out data/msrvtt/annotations
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from scfa_mm.datasets.caption_lists import (MISSING_LIST, first_names,
                                            write_caption_lists)

SPLITS = {'train': 'train', 'validate': 'val', 'test': 'test'}
OUT_SPLITS = ('train', 'val', 'test')
STANDARD_SIZES = {'train': 6513, 'val': 497, 'test': 2990}
OFFICIAL_FOLDERS = ('TrainValVideo', 'TestVideo')


def load_json(path: str) -> dict:
    """An official annotation file, checked to hold ``"videos"`` and
    ``"sentences"``."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'MSR-VTT annotation file {path} is missing (the official '
            f'train_val_videodatainfo.json / test_videodatainfo.json)')
    with open(path, encoding='utf-8') as f:
        try:
            data = json.load(f)
        except ValueError as error:
            raise ValueError(f'{path} is not valid JSON: {error}') from error
    for key in ('videos', 'sentences'):
        if not isinstance(data, dict) or key not in data:
            found = sorted(data) if isinstance(data, dict) else \
                type(data).__name__
            raise ValueError(f'{path}: expected a JSON object with the keys '
                             f'"videos" and "sentences", no "{key}" in '
                             f'{found}')
    return data


def read_records(data: dict, path: str, key: str,
                 required: Sequence[str]) -> List[dict]:
    """The records of ``data[key]``, each checked for ``required`` keys."""
    records = data[key]
    if not isinstance(records, list):
        raise ValueError(f'{path}: "{key}" must be a list of records, got '
                         f'{type(records).__name__}')
    for index, record in enumerate(records):
        missing = [name for name in required if name not in record] \
            if isinstance(record, dict) else list(required)
        if missing:
            raise ValueError(f'{path}: "{key}"[{index}] lacks {missing} '
                             f'(a record needs {list(required)}), got '
                             f'{record!r:.200}')
    return records


def read_annotations(paths: Sequence[str]) -> dict:
    """``splits``: ``{split: [{"video_id", "captions"}, ...]}`` from the
    official files, and ``empty``: the number of empty captions left out."""
    files = {path: load_json(path) for path in paths}
    videos: Dict[str, dict] = {}
    splits: Dict[str, List[dict]] = {split: [] for split in OUT_SPLITS}
    for path in paths:
        for index, record in enumerate(
                read_records(files[path], path, 'videos',
                             ('video_id', 'split'))):
            video_id, split = str(record['video_id']), record['split']
            if split not in SPLITS:
                raise ValueError(
                    f'{path}: "videos"[{index}] ({video_id}) has split '
                    f'{split!r}; expected one of {sorted(SPLITS)}')
            if video_id in videos:
                raise ValueError(
                    f'{path}: "videos"[{index}]: video {video_id} is listed '
                    f'twice (also in {videos[video_id]["file"]})')
            entry = dict(video_id=video_id, captions=[], file=path)
            videos[video_id] = entry
            splits[SPLITS[split]].append(entry)
    empty = 0
    for path in paths:
        for index, record in enumerate(
                read_records(files[path], path, 'sentences',
                             ('video_id', 'caption'))):
            video_id, caption = str(record['video_id']), record['caption']
            if video_id not in videos:
                raise ValueError(
                    f'{path}: "sentences"[{index}] describes video '
                    f'{video_id}, which no "videos" list of {list(paths)} '
                    f'has')
            if not isinstance(caption, str):
                raise ValueError(f'{path}: "sentences"[{index}]: "caption" '
                                 f'must be a string, got {caption!r}')
            if caption.strip():
                videos[video_id]['captions'].append(caption.strip())
            else:
                empty += 1
    without = [v for v in videos.values() if not v['captions']]
    if without:
        raise ValueError(
            f'{len(without)} videos have no (non-empty) caption in '
            f'{list(paths)}: '
            f'{first_names([v["video_id"] for v in without])}')
    for split, entries in splits.items():
        if not entries:
            raise ValueError(f'no video of the {split} split in '
                             f'{list(paths)}')
    return dict(splits=splits, empty=empty)


def find_videos(folders: Sequence[str], ext: str) -> Dict[str, str]:
    """``{file name: path}`` of the videos of ``folders``, the first folder
    winning when two hold the same name."""
    found: Dict[str, str] = {}
    for folder in folders:
        if not osp.isdir(folder):
            raise FileNotFoundError(f'video folder {folder} is missing')
        for name in sorted(os.listdir(folder)):
            if name.endswith(ext):
                found.setdefault(name, osp.join(folder, name))
    return found


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--annotations',
        nargs='+',
        default=[
            'data/msrvtt/train_val_videodatainfo.json',
            'data/msrvtt/test_videodatainfo.json'
        ],
        help='the official train_val_videodatainfo.json and '
        'test_videodatainfo.json')
    parser.add_argument(
        '--video-root',
        default='data/msrvtt/videos',
        help='the folder "video" paths are relative to (data_prefix of '
        'the config)')
    parser.add_argument(
        '--videos',
        nargs='+',
        help=f'folders of <video_id>.mp4 inside --video-root; default: '
        f'--video-root and its subfolders {", ".join(OFFICIAL_FOLDERS)} '
        f'that exist')
    parser.add_argument('--ext', default='.mp4', help='video file suffix')
    parser.add_argument('--out', default='data/msrvtt/annotations')
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help=f'leave out videos whose file is missing (listed in '
        f'OUT/{MISSING_LIST})')
    args = parser.parse_args(argv)

    video_root = args.video_root
    if not osp.isdir(video_root):
        raise FileNotFoundError(f'--video-root {video_root} is missing')
    folders = args.videos or [video_root] + [
        osp.join(video_root, name)
        for name in OFFICIAL_FOLDERS if osp.isdir(osp.join(video_root, name))
    ]
    for folder in folders:
        if osp.relpath(osp.abspath(folder),
                       osp.abspath(video_root)).startswith('..'):
            raise ValueError(f'video folder {folder} is not inside '
                             f'--video-root {video_root}')
    annotations = read_annotations(args.annotations)
    on_disk = find_videos(folders, args.ext)

    outputs, missing = {}, []
    for split in OUT_SPLITS:
        outputs[split] = []
        for entry in annotations['splits'][split]:
            name = entry['video_id'] + args.ext
            if name not in on_disk:
                missing.append(name)
                continue
            outputs[split].append(
                dict(
                    video=osp.relpath(on_disk[name], video_root),
                    video_id=entry['video_id'],
                    captions=entry['captions']))
    write_caption_lists(
        outputs,
        missing,
        args.out,
        args.skip_missing,
        listed_in='the annotations',
        searched=str(folders),
        folders='folders')
    print(f'videos searched in {folders}, written relative to '
          f'{video_root}; {annotations["empty"]} empty captions left out')
    sizes = {split: len(records) for split, records in outputs.items()}
    if sizes != STANDARD_SIZES:
        print(f'note: the full release has {STANDARD_SIZES} videos per '
              f'split, these files give {sizes}')


if __name__ == '__main__':
    main()
