"""Decode every video of an annotation list once into frame packs.

Sparse temporal sampling decodes nearly a whole video for every sample, so
a data worker spends ~95% of its time in the video decoder. This tool pays
that once: it decodes every video of an MMAction2 list, resizes its frames
(default 64x64, what the SCFA configs resize to), stores them as JPEGs in
one pack per video (``scfa_mm/datasets/frame_pack.py``), and writes the
list of the cache, which the ``*_cache.py`` dataset configs read through
``FramePackInit``.

- ``--rawframes`` reads frame folders of a ``RawframeDataset`` list
  (Penn Action) instead of videos; the written list is a video list of
  packs either way, for ``VideoDataset`` with ``FramePackInit``.
- Parallel over ``--nproc`` processes, with a progress bar and an ETA.
- Resumable: packs are written under a temporary name and renamed when
  complete; a second run skips every complete pack of this run's settings
  and redoes the rest. A complete pack of other settings (frame size,
  JPEG quality or chroma subsampling, an older pack format) is rebuilt
  with this run's and counted apart in the summary: the cache then
  matches the command that last wrote it.
- The list is read as training reads it
  (``scfa_mm/datasets/annotations.py``): a bad line, a path listed twice
  or a path outside ``--data-prefix`` (absolute, or climbing out with
  ``..``, whose pack would land outside ``--out``) stops the tool before
  it writes anything, naming every such line.
- Nothing lost silently: every video that cannot be decoded, or has no
  frame, is named in ``<out>/<list>.failed.txt`` and left out of the
  written list, and the tool exits with status 1 unless
  ``--allow-failures``.

Example:
    python tools/data/build_frame_cache.py \
        data/hmdb51/hmdb51_train_split_1_videos.txt \
        --data-prefix data/hmdb51/videos --out data/hmdb51/frame_cache
"""
import argparse
import os
import os.path as osp
import sys
from functools import partial
from typing import List, Optional, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress

from scfa_mm.datasets.annotations import (AnnotationListError, ListFormat,
                                          parse_annotation_list)
from scfa_mm.datasets.frame_pack import (SUBSAMPLING, SUFFIX, VERSION,
                                         FramePackError, FramePackReader,
                                         write_pack)

CHUNK = 64  # frames decoded per request: bounds memory on long videos


def pack_path(out: str, video: str) -> str:
    """Where the pack of ``video`` (a path relative to the data prefix)
    goes: the same relative path, with the pack suffix.

    Raises:
        ValueError: If that is outside ``<out>/packs`` (an absolute path or
            one climbing out with ``..``).
    """
    packs = osp.join(out, 'packs')
    target = osp.normpath(osp.join(packs, osp.splitext(video)[0] + SUFFIX))
    inside = osp.commonpath([osp.abspath(target),
                             osp.abspath(packs)]) == osp.abspath(packs)
    if osp.isabs(video) or not inside:
        raise ValueError(f'{video!r}: its pack would be written outside '
                         f'{packs}')
    return target


def pack_differences(path: str, settings: dict) -> Optional[str]:
    """How the complete pack at ``path`` differs from ``settings`` (header
    values), e.g. ``'width 64 -> 32'``; ``''`` if it matches; None if there
    is no complete pack of the current format there."""
    try:
        header = FramePackReader(path).header
    except FramePackError:  # none, torn, or of an older format
        version = _format(path)
        return None if version in (None, VERSION) \
            else f'format {version} -> {VERSION}'
    return ', '.join(f'{key} {header.get(key)} -> {value}'
                     for key, value in settings.items()
                     if header.get(key) != value)


def _format(path: str) -> Optional[int]:
    """The format version of a pack with a readable header, else None."""
    import json
    import struct
    try:
        with open(path, 'rb') as f:
            f.read(8)
            (length, ) = struct.unpack('<I', f.read(4))
            return json.loads(f.read(length)).get('version', 1)
    except (OSError, struct.error, ValueError, AttributeError):
        return None


INTERPOLATIONS = dict(
    bilinear=cv2.INTER_LINEAR, area=cv2.INTER_AREA, bicubic=cv2.INTER_CUBIC)


def decode_resized(path: str, size: Tuple[int, int],
                   interpolation: str) -> Tuple[List, float]:
    """All frames of ``path`` resized to ``size`` (w, h), and its fps."""
    import decord
    reader = decord.VideoReader(path, num_threads=1)
    frames = []
    for start in range(0, len(reader), CHUNK):
        batch = reader.get_batch(
            list(range(start, min(start + CHUNK, len(reader))))).asnumpy()
        frames += [
            cv2.resize(
                frame, size, interpolation=INTERPOLATIONS[interpolation])
            for frame in batch
        ]
    return frames, float(reader.get_avg_fps())


def read_frame_folder(path: str, num_frames: int, filename_tmpl: str,
                      start_index: int, size: Tuple[int, int],
                      interpolation: str) -> List[np.ndarray]:
    """The ``num_frames`` listed frames of a rawframe folder, resized."""
    frames = []
    for index in range(start_index, start_index + num_frames):
        name = osp.join(path, filename_tmpl.format(index))
        frame = cv2.imread(name, cv2.IMREAD_COLOR)
        if frame is None:
            raise FileNotFoundError(f'frame {name} is missing or unreadable')
        frames.append(
            cv2.resize(
                frame[..., ::-1],
                size,
                interpolation=INTERPOLATIONS[interpolation]))
    return frames


def build_one(
        entry: Tuple[int, str],
        data_prefix: str,
        out: str,
        size: Tuple[int, int],
        interpolation: str,
        quality: int,
        rawframes: Optional[Tuple[str, int, float]],
        subsampling: str = '444'
) -> Tuple[int, str, Optional[str], int, int, str]:
    """``(line number, line, failure or None, frames, bytes, what a
    rebuilt pack changed)``; frames is -1 for a pack reused."""
    number, line = entry
    video = line.split()[0]
    target = pack_path(out, video)
    changed = pack_differences(
        target,
        dict(
            width=size[0],
            height=size[1],
            quality=quality,
            subsampling=subsampling))
    if changed == '':
        return number, line, None, -1, os.path.getsize(target), ''
    changed = changed or ''
    source = osp.join(data_prefix, video)
    if not osp.exists(source):
        return number, line, f'{source}: not found', 0, 0, ''
    try:
        if rawframes is None:
            frames, fps = decode_resized(source, size, interpolation)
        else:
            filename_tmpl, start_index, fps = rawframes
            frames = read_frame_folder(source, int(line.split()[1]),
                                       filename_tmpl, start_index, size,
                                       interpolation)
    except Exception as error:  # decord and cv2 raise several types
        first = str(error).strip().splitlines()
        return (number, line,
                f'{source}: cannot decode: {type(error).__name__}: '
                f'{first[0] if first else ""}', 0, 0, '')
    if not frames:
        return number, line, f'{source}: no frame', 0, 0, ''
    written = write_pack(
        target, frames, quality=quality, fps=fps, subsampling=subsampling)
    return number, line, None, len(frames), written, changed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'list',
        help='VideoDataset list ("path label") or, with --rawframes, '
        'RawframeDataset list ("folder frames label")')
    parser.add_argument('--data-prefix', default='')
    parser.add_argument('--out', required=True, help='cache folder')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(64, 64),
        metavar=('W', 'H'),
        help='frame size in the cache (default: 64 64)')
    parser.add_argument(
        '--interpolation',
        choices=sorted(INTERPOLATIONS),
        default='bilinear',
        help="resampling (default: bilinear, as MMAction2's Resize, so that "
        'cached frames are the resized frames of the video pipeline)')
    parser.add_argument('--quality', type=int, default=90, help='JPEG')
    parser.add_argument(
        '--subsampling',
        choices=sorted(SUBSAMPLING),
        default='444',
        help='JPEG chroma: 444 (default) for small frames such as SCFA\'s '
        '64x64; 420 for frames near the video\'s resolution (its chroma is '
        '4:2:0 already), 25%% faster to decode')
    parser.add_argument(
        '--rawframes',
        action='store_true',
        help='the list names frame folders (e.g. Penn Action)')
    parser.add_argument('--filename-tmpl', default='img_{:05}.jpg')
    parser.add_argument('--start-index', type=int, default=1)
    parser.add_argument(
        '--fps', type=float, default=30.0, help='of frame folders')
    parser.add_argument('--nproc', type=int, default=os.cpu_count())
    parser.add_argument(
        '--allow-failures',
        action='store_true',
        help='exit with 0 even if some videos failed')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not args.rawframes:
        try:  # say so now, not once per video as a broken video
            import decord  # noqa: F401
        except ImportError:
            sys.exit(f'{__file__} reads videos with decord: pip install '
                     'decord (wheels for x86-64 Linux only)')
    try:
        parsed = parse_annotation_list(
            args.list, ListFormat(rawframes=args.rawframes, multi_class=True),
            args.data_prefix)
    except AnnotationListError as error:
        sys.exit(f'{error}\nNothing was written.')
    entries = [(entry.line, entry.text) for entry in parsed]
    print(f'caching {len(entries)} videos of {args.list} at '
          f'{args.size[0]}x{args.size[1]} into {args.out}')
    build = partial(
        build_one,
        data_prefix=args.data_prefix,
        out=args.out,
        size=tuple(args.size),
        interpolation=args.interpolation,
        quality=args.quality,
        subsampling=args.subsampling,
        rawframes=(args.filename_tmpl, args.start_index,
                   args.fps) if args.rawframes else None)
    if args.nproc > 1:
        results = track_parallel_progress(
            build, entries, args.nproc, file=sys.stderr)
    else:
        results = track_progress(build, entries, file=sys.stderr)
    failed = [(number, reason) for number, _, reason, _, _, _ in results
              if reason is not None]
    done = [(line, frames, size)
            for _, line, reason, frames, size, _ in results if reason is None]
    changes = sorted({change for *_, change in results if change})
    rebuilt = sum(bool(change) for *_, change in results)

    stem = osp.splitext(osp.basename(args.list))[0]
    cached_list = osp.join(args.out, osp.basename(args.list))
    with open(cached_list, 'w') as f:
        for line, _, _ in done:
            fields = line.split()
            # a frame folder's count is the pack's now; the label stays
            labels = fields[2:] if args.rawframes else fields[1:]
            relative = osp.relpath(pack_path(args.out, fields[0]), args.out)
            f.write(' '.join([relative, *labels]) + '\n')
    failed_file = osp.join(args.out, f'{stem}.failed.txt')
    with open(failed_file, 'w') as f:
        f.writelines(f'line {number}: {reason}\n' for number, reason in failed)

    reused = sum(frames < 0 for _, frames, _ in done)
    total_bytes = sum(size for _, _, size in done)
    new = [(frames, size) for _, frames, size in done if frames > 0]
    replaced = (f' (of which {rebuilt} rebuilt from packs of other '
                f'settings: {"; ".join(changes[:3])})') if rebuilt else ''
    print(f'\n{len(done)} videos cached ({len(done) - reused} decoded now'
          f'{replaced}, {reused} already complete), '
          f'{total_bytes / 2**20:.1f} MiB; list: {cached_list}')
    if new:
        frames = np.array([f for f, _ in new])
        sizes = np.array([s for _, s in new])
        print(f'decoded now: {frames.sum()} frames, '
              f'{sizes.mean() / 1024:.1f} KiB per video, '
              f'{sizes.sum() / frames.sum() / 1024:.2f} KiB per frame')
    if failed:
        print(f'{len(failed)} videos failed and are not in the list '
              f'(report: {failed_file}):')
        for number, reason in failed[:20]:
            print(f'  line {number}: {reason}')
        return 0 if args.allow_failures else 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
