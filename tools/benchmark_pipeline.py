"""Clips per second of the SCFA training pipeline next to the stock way.

Each variant turns a video into 2 views of 16 frames, tiles each view into a
4x4 grid of 56x56 and packs the result, on the real clips of
``../shared/data/videos``:

- ``scfa``: DecordInit, TemporalMultiView(2 views), DecordDecode (through
  UniqueFrameReader: each distinct frame decoded once), GridAggregate.
- ``scfa, no decode-once``: the same with the plain decord reader, which
  decodes the view-major indices as they come.
- ``stock x2``: the stock MMAction2 way, two separate runs of DecordInit,
  SampleFrames(num_clips=16) and DecordDecode, then the same GridAggregate.

The variants run interleaved, clip by clip, in one process, so that load on
the machine affects them alike. Single-threaded decoding, as in a worker.

Example:
    python tools/benchmark_pipeline.py --rounds 5
"""
import argparse
import glob
import os.path as osp
import time
from typing import Callable, Dict, List

import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

import scfa_mm  # noqa: F401  (registers the transforms)

AGGREGATE = [
    dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56)),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs'),
]


def unwrap_reader(results: Dict) -> Dict:
    """Undo the decode-once wrapper (for the comparison only)."""
    results['video_reader'] = results['video_reader'].reader
    return results


def build_variants() -> Dict[str, Callable[[str], Dict]]:
    scfa = Compose([
        dict(type='DecordInit'),
        dict(type='TemporalMultiView', num_views=2, clip_len=16),
        dict(type='DecordDecode'),
        *AGGREGATE,
    ])
    scfa_plain = Compose([
        dict(type='DecordInit'),
        dict(type='TemporalMultiView', num_views=2, clip_len=16),
        unwrap_reader,
        dict(type='DecordDecode'),
        *AGGREGATE,
    ])
    stock_view = Compose([
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16),
        dict(type='DecordDecode'),
    ])
    aggregate = Compose(AGGREGATE)

    def stock_twice(filename: str) -> Dict:
        views = [
            stock_view(dict(filename=filename, start_index=0))
            for _ in range(2)
        ]
        return aggregate(
            dict(
                imgs=views[0]['imgs'] + views[1]['imgs'],
                num_clips=2,
                clip_len=16,
                img_shape=views[0]['img_shape'],
                label=0,
                modality='RGB'))

    def run(pipeline: Compose) -> Callable[[str], Dict]:
        return lambda filename: pipeline(
            dict(filename=filename, start_index=0, label=0, modality='RGB'))

    return {
        'scfa (decode once)': run(scfa),
        'scfa, no decode-once': run(scfa_plain),
        'stock x2': stock_twice,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--videos',
        default=osp.join(
            osp.dirname(__file__), '..', '..', 'shared', 'data', 'videos'))
    parser.add_argument(
        '--rounds', type=int, default=5, help='passes over the clips')
    args = parser.parse_args()
    init_default_scope('mmaction')
    np.random.seed(0)
    videos = sorted(
        glob.glob(osp.join(args.videos, '*.mp4')) +
        glob.glob(osp.join(args.videos, '*.avi')))
    if not videos:
        raise FileNotFoundError(f'no .mp4/.avi clip in {args.videos}')
    variants = build_variants()
    seconds: Dict[str, List[float]] = {name: [] for name in variants}
    for variant in variants.values():  # warm-up
        variant(videos[0])
    progress = ProgressBar(args.rounds * len(videos))
    for _ in range(args.rounds):
        for video in videos:
            for name, variant in variants.items():
                start = time.perf_counter()
                packed = variant(video)
                seconds[name].append(time.perf_counter() - start)
                assert packed['inputs'].shape == (2, 3, 224, 224)
            progress.update()
    baseline = 'stock x2'
    base_total = sum(seconds[baseline])
    print(f'\n{len(videos)} clips x {args.rounds} rounds, 2 views x 16 '
          f'frames, 4x4 grid of 56x56\n')
    print(f'| {"pipeline":<22} | clips/s | ms/clip (mean) | speed-up |')
    print(f'|{"-" * 24}|---------|----------------|----------|')
    for name, times in seconds.items():
        total = sum(times)
        print(f'| {name:<22} | {len(times) / total:7.2f} | '
              f'{1000 * total / len(times):14.1f} | '
              f'{base_total / total:7.2f}x |')


if __name__ == '__main__':
    main()
