"""Writing the caption lists that :class:`VideoCaptionDataset` reads: what
the MSR-VTT and MSVD preparation scripts share once they know each split's
videos and captions."""
import json
import os
import os.path as osp
import statistics
from typing import Dict, List, Sequence

#: Where the names of the videos left out by ``--skip-missing`` go (in the
#: output folder).
MISSING_LIST = 'missing_videos.txt'
#: How many names an error or a note shows.
SHOWN = 10


def first_names(names: Sequence[str], shown: int = SHOWN) -> str:
    """The first ``shown`` names, comma-separated, ``...`` if there are
    more."""
    return ', '.join(names[:shown]) + (', ...' if len(names) > shown else '')


def caption_list_summary(split: str, records: List[dict]) -> str:
    """One line: the videos, captions and captions per video of a split."""
    counts = [len(record['captions']) for record in records]
    return (f'{split}: {len(records)} videos, {sum(counts)} captions, '
            f'captions per video min {min(counts)} / median '
            f'{statistics.median(counts):g} / max {max(counts)}')


def write_caption_lists(records: Dict[str, List[dict]],
                        missing: List[str],
                        out_dir: str,
                        skip_missing: bool,
                        listed_in: str,
                        searched: str,
                        folders: str = 'folder') -> None:
    """Write ``out_dir/<split>.json`` for every split, after the checks.

    Args:
        records (dict[str, list[dict]]): Per split, its ``{"video",
            "video_id", "captions"}`` records whose video file exists.
        missing (list[str]): File names of the listed videos that do not.
        out_dir (str): The output folder; created.
        skip_missing (bool): Write the lists without the missing videos
            (their names go to ``out_dir/missing_videos.txt``); otherwise a
            missing video is an error and nothing is written.
        listed_in (str): Where the videos are listed, for the error ("the
            annotations", a file).
        searched (str): Where they were looked for.
        folders (str): 'folder' or 'folders', for the error.

    Raises:
        FileNotFoundError: A video is missing and not ``skip_missing``.
        ValueError: A split has no video left.
    """
    if missing and not skip_missing:
        raise FileNotFoundError(
            f'{len(missing)} videos listed in {listed_in} are missing from '
            f'{searched}: {first_names(missing)}; fix the video {folders} or '
            f'pass --skip-missing')
    for split, split_records in records.items():
        if not split_records:
            raise ValueError(f'every video of the {split} split is missing '
                             f'from {searched}')
    os.makedirs(out_dir, exist_ok=True)
    missing_list = osp.join(out_dir, MISSING_LIST)
    if missing:
        with open(missing_list, 'w') as f:
            f.writelines(f'{name}\n' for name in missing)
        print(f'left out {len(missing)} videos missing from {searched}; '
              f'their names are in {missing_list}')
    elif osp.exists(missing_list):
        os.remove(missing_list)  # from an earlier run, no longer true
    for split, split_records in records.items():
        out = osp.join(out_dir, f'{split}.json')
        with open(out, 'w', encoding='utf-8') as f:
            json.dump(split_records, f, ensure_ascii=False, indent=1)
        print(f'{caption_list_summary(split, split_records)} -> {out}')
