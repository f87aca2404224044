"""Find the broken videos of an annotation list before training.

Opens every entry of an MMAction2 annotation list in parallel (a progress
bar with an ETA on the way) and checks that

- a video (``VideoDataset`` list: ``path label``) opens with decord, has
  frames, and decodes its first, middle and last frame (``--full-decode``:
  every frame);
- a frame folder (``--rawframes``, ``RawframeDataset`` list:
  ``folder total_frames label``) holds exactly the listed number of frames
  under ``--filename-tmpl`` names;
- it has at least the frames one view of the config's training sampler
  takes without repeating or padding (``--config``: the sampler says how
  many, ``frames_needed``), or ``--min-frames``;

and, first, reads the list as training reads it
(``scfa_mm/datasets/annotations.py``, the parser of the pre-flight check of
``tools/train.py``): a line training would reject or misread (tabs or
double spaces in a video list, a label that is not an integer, a blank
line, a byte-order mark), a path listed twice, a path listed with
different labels, and a path outside ``--data-prefix`` are bad entries
too. With ``--config`` the list is read as that config's training dataset
reads it (multi-label or not, delimiter, ``allow_paths_outside_data_prefix``).

Writes ``<out-dir>/<list>.report.txt`` (one line per bad entry: line number,
path, reason) and ``<out-dir>/<list>.clean.txt`` (the good lines,
unchanged), and exits with status 1 if any entry is bad.

Examples:
    python tools/data/check_videos.py data/hmdb51/hmdb51_train_split_1_videos.txt \
        --data-prefix data/hmdb51/videos --config configs/scfa_hmdb51.py
    python tools/data/check_videos.py data/penn_action/penn_action_train_list_rawframes.txt \
        --data-prefix data/penn_action/Penn_Action/frames --rawframes \
        --filename-tmpl '{:06}.jpg' --start-index 1
"""  # noqa: E501
import argparse
import os
import os.path as osp
import sys
from functools import partial
from typing import Optional, Tuple

from mmengine.utils import track_parallel_progress

from scfa_mm.datasets.annotations import (AnnotationListError, ListFormat,
                                          read_annotation_list)


def sampler_frames(transform: dict) -> Optional[int]:
    """Frames one view of a training sampler takes without repeating or
    padding, or None if ``transform`` (a pipeline step's config) is no
    sampler: the plugin's samplers say it themselves (``frames_needed``),
    MMAction2's ``SampleFrames`` spans ``(clip_len - 1) * frame_interval +
    1`` frames per clip."""
    from mmaction.datasets.transforms import SampleFrames
    from mmaction.registry import TRANSFORMS

    from scfa_mm.datasets import BaseMultiViewSampler
    cls = TRANSFORMS.get(transform['type'])
    if isinstance(cls, type) and issubclass(cls, BaseMultiViewSampler):
        return TRANSFORMS.build(transform).frames_needed
    if cls is SampleFrames:
        sampler = TRANSFORMS.build(transform)
        return (sampler.clip_len - 1) * sampler.frame_interval + 1
    return None


def frames_needed(config: str) -> int:
    """Frames one training view of ``config`` takes without repeating."""
    from mmengine import Config

    from scfa_mm.utils.runtime import innermost_dataset_cfg
    cfg = Config.fromfile(config)
    dataset = innermost_dataset_cfg(cfg.train_dataloader)
    for transform in dataset.get('pipeline', []):
        needed = sampler_frames(transform)
        if needed is not None:
            return needed
    raise ValueError(f'{config}: no temporal sampler (TemporalMultiView, '
                     'CVRLSampleFrames, CARLSampleFrames, SampleFrames) in '
                     'the training pipeline; use --min-frames')


def check_video(path: str, full_decode: bool) -> Tuple[Optional[str], int]:
    """``(reason or None, frame count)`` of one video file."""
    if not osp.isfile(path):
        return 'file not found', 0
    try:
        import decord
        reader = decord.VideoReader(path, num_threads=1)
        count = len(reader)
        if count < 1:
            return 'no frame', 0
        indices = list(range(count)) if full_decode else sorted(
            {0, count // 2, count - 1})
        for start in range(0, len(indices), 64):
            reader.get_batch(indices[start:start + 64]).asnumpy()
    except Exception as error:  # decord raises several types
        reason = str(error).strip().splitlines()
        return f'cannot decode: {type(error).__name__}: {reason[0]}', 0
    return None, count


def check_frame_folder(path: str, listed: int, filename_tmpl: str,
                       start_index: int) -> Tuple[Optional[str], int]:
    """``(reason or None, frame count)`` of one rawframe folder."""
    if not osp.isdir(path):
        return 'folder not found', 0
    names = set(os.listdir(path))
    expected = [filename_tmpl.format(start_index + i) for i in range(listed)]
    missing = [name for name in expected if name not in names]
    if listed < 1:
        return 'no frame listed', 0
    if missing:
        return (f'{len(missing)} of the {listed} listed frames missing '
                f'(first: {missing[0]})'), listed - len(missing)
    return None, listed


def list_format(config: str) -> Tuple[ListFormat, bool]:
    """How the training dataset of ``config`` reads its list, and whether
    the config allows paths outside its data prefix."""
    from mmengine import Config

    from scfa_mm.utils.runtime import (dataset_list_format,
                                       innermost_dataset_cfg)
    cfg = Config.fromfile(config)
    found = dataset_list_format(innermost_dataset_cfg(cfg.train_dataloader))
    if found is None:
        raise ValueError(f'{config}: train_dataloader.dataset is not a '
                         'VideoDataset or RawframeDataset')
    return found[0], bool(cfg.get('allow_paths_outside_data_prefix', False))


def check_entry(entry: Tuple[int, str,
                             Optional[int]], data_prefix: str, rawframes: bool,
                filename_tmpl: str, start_index: int, min_frames: int,
                full_decode: bool) -> Tuple[int, str, Optional[str]]:
    """``(line number, path, reason or None)`` of one valid list entry
    (line number, listed path, listed frame count of a frame folder)."""
    number, listed, total_frames = entry
    path = osp.join(data_prefix, listed)
    if rawframes:
        reason, count = check_frame_folder(path, total_frames, filename_tmpl,
                                           start_index)
    else:
        reason, count = check_video(path, full_decode)
    if reason is None and count < min_frames:
        reason = f'{count} frames, fewer than the {min_frames} needed'
    return number, path, reason


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('list', help='MMAction2 annotation list')
    parser.add_argument(
        '--data-prefix', default='', help='folder the list paths are in')
    parser.add_argument(
        '--rawframes',
        action='store_true',
        help='a RawframeDataset list of frame folders')
    parser.add_argument('--filename-tmpl', default='img_{:05}.jpg')
    parser.add_argument('--start-index', type=int, default=1)
    parser.add_argument(
        '--config', help='require the frames of its training sampler')
    parser.add_argument('--min-frames', type=int, default=1)
    parser.add_argument(
        '--multi-class',
        action='store_true',
        help='several labels per line (without --config)')
    parser.add_argument(
        '--allow-outside-prefix',
        action='store_true',
        help='accept absolute paths and paths with .. (without --config; '
        'the config key is allow_paths_outside_data_prefix)')
    parser.add_argument(
        '--full-decode',
        action='store_true',
        help='decode every frame (slow; default: first, middle, last)')
    parser.add_argument('--nproc', type=int, default=os.cpu_count())
    parser.add_argument(
        '--out-dir',
        help='where the report and the cleaned list go '
        '(default: next to the list)')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not args.rawframes:
        try:  # say so now, not once per video as a broken video
            import decord  # noqa: F401
        except ImportError:
            sys.exit(f'{__file__} reads videos with decord: pip install '
                     'decord (wheels for x86-64 Linux only)')
    min_frames = max(args.min_frames,
                     frames_needed(args.config) if args.config else 1)
    fmt = ListFormat(rawframes=args.rawframes, multi_class=args.multi_class)
    allow_outside = args.allow_outside_prefix
    if args.config:
        fmt, allow_outside = list_format(args.config)
        if fmt.rawframes != args.rawframes:
            sys.exit(f'{args.config} reads '
                     f'{"frame folders" if fmt.rawframes else "videos"}: '
                     f'{"add" if fmt.rawframes else "drop"} --rawframes')
    try:
        entries, problems = read_annotation_list(args.list, fmt,
                                                 args.data_prefix,
                                                 allow_outside)
    except AnnotationListError as error:
        sys.exit(str(error))
    check = partial(
        check_entry,
        data_prefix=args.data_prefix,
        rawframes=args.rawframes,
        filename_tmpl=args.filename_tmpl,
        start_index=args.start_index,
        min_frames=min_frames,
        full_decode=args.full_decode)
    print(f'checking {len(entries)} entries of {args.list} '
          f'(at least {min_frames} frames each)')
    results = track_parallel_progress(
        check, [(e.line, e.path, e.total_frames) for e in entries],
        max(1, args.nproc),
        file=sys.stderr) if entries else []
    bad = [(number, path, reason) for number, path, reason in results
           if reason is not None]
    bad_lines = {number for number, _, _ in bad}
    bad = sorted(bad + [(p.line, repr(p.text),
                         p.reason) if p.text else (p.line, '', p.reason)
                        for p in problems])

    out_dir = args.out_dir or osp.dirname(osp.abspath(args.list))
    os.makedirs(out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(args.list))[0]
    report = osp.join(out_dir, f'{stem}.report.txt')
    clean = osp.join(out_dir, f'{stem}.clean.txt')
    lines = [describe(number, path, reason) for number, path, reason in bad]
    with open(report, 'w') as f:
        f.writelines(f'{line}\n' for line in lines)
    good = [e.text for e in entries if e.line not in bad_lines]
    with open(clean, 'w') as f:
        f.writelines(f'{text}\n' for text in good)
    print(f'\n{len(good)} good, {len(bad)} bad; report: '
          f'{report}; cleaned list: {clean}')
    for line in lines[:20]:
        print(f'  {line}')
    if problems:
        print(f'Expected lines: {fmt.describe()}.')
    return 1 if bad else 0


def describe(number: int, path: str, reason: str) -> str:
    """One line of the report (line 0: the whole list)."""
    where = f'line {number}: ' if number else ''
    return f'{where}{path}: {reason}' if path else f'{where}{reason}'


if __name__ == '__main__':
    sys.exit(main())
