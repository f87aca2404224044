"""Clips per second of the SCFA training pipeline: stock, decode-once, cache.

Every variant makes what ``configs/_base_/datasets/hmdb51_scfa.py`` trains
on: 2 views of 16 frames, resized to 64x64, cropped to 56x56, flipped,
tiled into a 4x4 grid (224x224) and packed, from the real clips of
``../shared/data/videos``:

- ``stock x2``: the stock MMAction2 way, two runs of DecordInit,
  SampleFrames(num_clips=16) and DecordDecode, then the same augmentation
  and GridAggregate.
- ``decode-once``: CheckedDecordInit, TemporalMultiView (2 views),
  DecordDecode through UniqueFrameReader (each distinct frame decoded once,
  in order): the video configs.
- ``no decode-once``: the same with decord's reader used as it is.
- ``cache``: FramePackInit on frame packs of 64x64 frames (what
  ``tools/data/build_frame_cache.py`` writes), then the same pipeline: the
  ``*_cache.py`` configs.
- ``rawframes``: the same 64x64 frames as one JPEG file each (MMAction2's
  rawframe layout, same JPEG settings), read with RawFrameDecode: the
  alternative to one pack per video.

The variants run interleaved, clip by clip, in one process pinned to one
CPU core (one data worker), so that load on the machine affects them alike.
The packs are built first into a temporary folder; their size is reported.

``--full-augmentation`` adds the training samples of the CVRL Kinetics and
CARL Penn Action configs at their papers' full augmentation (crop, flip,
colour jitter, grayscale, blur, solarisation), from the video and from
224x224 frame packs, each two ways: augmented in the worker
(``cpu_train_pipeline``: PerView and the Clip* transforms) and drawn in
the worker for the device (``train_pipeline``: PerViewOnDevice), and the
device side of the latter, ClipAugmentDataPreprocessor on a batch, timed
on this CPU with one thread.

``--backends decord pyav opencv torchcodec`` compares the video decoders
instead (only this table): ms per SCFA, CVRL and CARL training sample
through ``VideoInit(backend=...)``, the plugin's sampler and
``DecordDecode`` (each distinct frame decoded once), the backends
interleaved sample by sample; medians, and their ratio to the first
backend named.

Example:
    python tools/benchmark_pipeline.py --rounds 10
    python tools/benchmark_pipeline.py --rounds 3 --full-augmentation
    python tools/benchmark_pipeline.py --rounds 3 --backends decord pyav \
        opencv torchcodec
"""
import argparse
import glob
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Callable, Dict, List, Tuple

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
import cv2
import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from scfa_mm.datasets.frame_pack import write_pack

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# method -> (config, frame size of its cache (w, h)), as the cache configs
# build them (4:2:0 JPEG chroma): Kinetics at 340x256
# (kinetics400_cvrl_cache.py), Penn Action at 224x224
# (penn_action_carl_cache.py)
FULL_AUGMENTATION_CONFIGS = dict(
    cvrl=('configs/cvrl/cvrl_r3d50_16xb64-200e_kinetics400.py', (340, 256)),
    carl=('configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py', (224,
                                                                         224)))

AUGMENT_AND_AGGREGATE = [
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='RandomCrop', size=56),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='GridAggregate', grid_shape=(4, 4), cell_size=(56, 56)),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs'),
]
BASELINE = 'stock x2'
# method -> its training sample after decoding, at its config's shape:
# SCFA 2 views x 16 frames tiled into a grid; CVRL 2 clips of 16 frames at
# stride 2, CARL 2 views of 80 frames, both at 224x224
CLIP_AUGMENT = [
    dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
METHOD_SAMPLES = dict(
    SCFA=[dict(type='TemporalMultiView', num_views=2, clip_len=16)],
    CVRL=[dict(type='CVRLSampleFrames', clip_len=16, frame_interval=2)],
    CARL=[dict(type='CARLSampleFrames', clip_len=80)],
)


def unwrap_reader(results: Dict) -> Dict:
    """Undo the decode-once wrapper (for the comparison only)."""
    results['video_reader'] = results['video_reader'].reader
    return results


def build_variants(
        packs: Dict[str, str],
        frame_counts: Dict[str, int]) -> Dict[str, Callable[[str], Dict]]:
    """name -> function of a video path returning the packed sample."""
    views = dict(type='TemporalMultiView', num_views=2, clip_len=16)
    decode_once = Compose([
        dict(type='CheckedDecordInit'), views,
        dict(type='DecordDecode'), *AUGMENT_AND_AGGREGATE
    ])
    no_decode_once = Compose([
        dict(type='CheckedDecordInit'), views, unwrap_reader,
        dict(type='DecordDecode'), *AUGMENT_AND_AGGREGATE
    ])
    cache = Compose([
        dict(type='FramePackInit'), views,
        dict(type='DecordDecode'), *AUGMENT_AND_AGGREGATE
    ])
    rawframes = Compose(
        [views, dict(type='RawFrameDecode'), *AUGMENT_AND_AGGREGATE])
    stock_view = Compose([
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16),
        dict(type='DecordDecode'),
    ])
    augment = Compose(AUGMENT_AND_AGGREGATE)

    def sample(filename: str) -> Dict:
        return dict(filename=filename, start_index=0, label=0, modality='RGB')

    def stock_twice(filename: str) -> Dict:
        clips = [stock_view(sample(filename)) for _ in range(2)]
        return augment(
            dict(
                imgs=clips[0]['imgs'] + clips[1]['imgs'],
                num_clips=2,
                clip_len=16,
                img_shape=clips[0]['img_shape'],
                label=0,
                modality='RGB'))

    return {
        BASELINE:
        stock_twice,
        'decode-once':
        lambda video: decode_once(sample(video)),
        'no decode-once':
        lambda video: no_decode_once(sample(video)),
        'cache (frame packs, 64x64)':
        lambda video: cache(sample(packs[video])),
        'rawframes (JPEG files)':
        lambda video: rawframes(
            dict(
                frame_dir=packs[video][:-len('.pack')],
                total_frames=frame_counts[video],
                filename_tmpl='img_{:05}.jpg',
                start_index=1,
                label=0,
                modality='RGB')),
    }


def clip_pipelines(packs: Dict[str, str]) -> Dict[str, Callable[[str], Dict]]:
    """The sampling shapes of CVRL and CARL with stock transforms, from the
    video and from 298x224 frame packs: two dense clips at 224x224 (CVRL:
    16 frames at stride 2; CARL: 80 consecutive frames), random resized
    crop and flip."""
    augment = [
        dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
        dict(type='Resize', scale=(224, 224), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]
    shapes = dict(
        cvrl=dict(clip_len=16, frame_interval=2),
        carl=dict(clip_len=80, frame_interval=1))
    variants = {}
    for method, shape in shapes.items():
        sampler = dict(type='SampleFrames', num_clips=2, **shape)
        for source, init in (('video', 'CheckedDecordInit'),
                             ('cache 298x224', 'FramePackInit')):
            pipeline = Compose([
                dict(type=init), sampler,
                dict(type='DecordDecode'), *augment
            ])
            variants[f'{method}-shaped, {source}'] = (
                lambda video, p=pipeline, s=source: p(
                    dict(
                        filename=packs[video] if s != 'video' else video,
                        start_index=0,
                        label=0,
                        modality='RGB')))
    return variants


def full_augmentation_pipelines(
        packs: Dict[str, Dict[str, str]]) -> Dict[str, Callable[[str], Dict]]:
    """The train pipelines of the CVRL and CARL configs, from the video and
    from packs (``packs[method][video]``), augmenting in the worker
    (``cpu``) or drawing for the device (``device``)."""
    from mmengine.config import Config
    variants = {}
    for method, (config, size) in FULL_AUGMENTATION_CONFIGS.items():
        cfg = Config.fromfile(osp.join(REPO_ROOT, config))
        for path, key in (('cpu', 'cpu_train_pipeline'), ('device',
                                                          'train_pipeline')):
            # after the config's own loading: from its sampler on
            steps = [
                step for step in cfg[key]
                if step['type'] not in ('VideoInit', 'DecordDecode',
                                        'RawFrameDecode')
            ]
            for source, init in (('video', 'CheckedDecordInit'),
                                 (f'cache {size[0]}x{size[1]} 4:2:0',
                                  'FramePackInit')):
                pipeline = Compose([
                    dict(type=init), steps[0],
                    dict(type='DecordDecode'), *steps[1:]
                ])
                variants[f'{method} {path}, {source}'] = (
                    lambda video, p=pipeline, s=source, m=method: p(
                        dict(
                            filename=(packs[m][video]
                                      if s != 'video' else video),
                            start_index=0,
                            label=0,
                            modality='RGB')))
    return variants


def time_device_side(variants: Dict[str, Callable[[str],
                                                  Dict]], videos: List[str],
                     rounds: int) -> Dict[str, Tuple[int, List[float]]]:
    """Milliseconds per sample of ClipAugmentDataPreprocessor on batches of
    each ``device`` variant's samples (CVRL 4 per batch, CARL 1), one
    thread; name -> (batch, times)."""
    import torch
    from mmaction.registry import MODELS
    torch.set_num_threads(1)
    preprocessor = MODELS.build(
        dict(
            type='ClipAugmentDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375]))
    results = {}
    for name, variant in variants.items():
        if ' device, video' not in name:
            continue
        batch = 4 if name.startswith('cvrl') else 1
        packed = [variant(video) for video in videos]
        times = []
        for round_ in range(rounds * len(videos)):
            chosen = [packed[(round_ + i) % len(packed)] for i in range(batch)]
            data = dict(
                inputs=[p['inputs'] for p in chosen],
                data_samples=[p['data_samples'] for p in chosen])
            start = time.perf_counter()
            preprocessor(data, True)
            times.append((time.perf_counter() - start) / batch)
        results[name.split(',')[0]] = (batch, times)
    return results


def backend_pipelines(
        backends: List[str]) -> Dict[Tuple[str, str], Callable[[str], Dict]]:
    """(method, backend) -> function of a video path returning the sample:
    ``VideoInit(backend)``, the method's sampler, ``DecordDecode``, then
    the method's augmentation."""
    variants = {}
    for method, sampler in METHOD_SAMPLES.items():
        augment = AUGMENT_AND_AGGREGATE if method == 'SCFA' else CLIP_AUGMENT
        for backend in backends:
            pipeline = Compose([
                dict(type='VideoInit', backend=backend), *sampler,
                dict(type='DecordDecode'), *augment
            ])
            variants[method, backend] = (lambda video, p=pipeline: p(
                dict(filename=video, start_index=0, label=0, modality='RGB')))
    return variants


def compare_backends(backends: List[str], videos: List[str],
                     rounds: int) -> None:
    """Print ms per sample of every method with every backend (medians,
    interleaved sample by sample) and the ratio to ``backends[0]``."""
    from scfa_mm.datasets.transforms.loading import UnsupportedVideo
    variants = backend_pipelines(backends)
    readable = []
    for video in videos:
        try:
            for variant in variants.values():  # warm-up
                variant(video)
            readable.append(video)
        except UnsupportedVideo as error:
            print(f'left out {osp.basename(video)}: {error}')
    # interleaved, every backend drawing the same frames for a sample
    seconds: Dict = {key: [] for key in variants}
    progress = ProgressBar(rounds * len(readable), file=sys.stderr)
    for round_ in range(rounds):
        for number, video in enumerate(readable):
            for key, variant in variants.items():
                np.random.seed(round_ * len(readable) + number)
                start = time.perf_counter()
                variant(video)
                seconds[key].append(time.perf_counter() - start)
            progress.update()
    base = backends[0]
    names = [osp.basename(video) for video in readable]
    print(f'\n{len(readable)} clips ({", ".join(names)}) x {rounds} rounds, '
          'one core, the same frames for every backend; ms per training '
          f'sample (median) and the median ratio to {base}, sample by '
          'sample:\n')
    print('| backend | ' + ' | '.join(f'{method} ms | {method} / {base}'
                                      for method in METHOD_SAMPLES) + ' |')
    print('|---' * (1 + 2 * len(METHOD_SAMPLES)) + '|')
    for backend in backends:
        cells = []
        for method in METHOD_SAMPLES:
            median = np.median(seconds[method, backend])
            ratio = np.median(
                np.array(seconds[method, backend]) /
                np.array(seconds[method, base]))
            cells += [f'{1000 * median:.1f}', f'{ratio:.2f}']
        print(f'| {backend} | ' + ' | '.join(cells) + ' |')


def build_packs(videos: List[str],
                out: str,
                size: Tuple[int, int] = (64, 64),
                with_rawframes: bool = False,
                subsampling: str = '444') -> Dict[str, str]:
    """Frame packs of ``videos`` at ``size`` (w, h), as
    build_frame_cache.py writes them, and with ``with_rawframes`` the same
    frames as JPEG files in a folder beside each pack."""
    import decord
    packs = {}
    for video in videos:
        reader = decord.VideoReader(video, num_threads=1)
        frames = [
            cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
            for frame in reader.get_batch(list(range(len(reader)))).asnumpy()
        ]
        packs[video] = osp.join(out, f'{osp.basename(video)}_{size[0]}.pack')
        write_pack(
            packs[video],
            frames,
            fps=reader.get_avg_fps(),
            subsampling=subsampling)
        if not with_rawframes:
            continue
        frame_dir = packs[video][:-len('.pack')]
        os.makedirs(frame_dir)
        for index, frame in enumerate(frames, 1):
            cv2.imwrite(
                osp.join(frame_dir, f'img_{index:05}.jpg'), frame[..., ::-1], [
                    cv2.IMWRITE_JPEG_QUALITY, 90,
                    cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                    cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444
                ])
    return packs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--videos',
        default=osp.join(
            osp.dirname(__file__), '..', '..', 'shared', 'data', 'videos'))
    parser.add_argument(
        '--rounds', type=int, default=5, help='passes over the clips')
    parser.add_argument(
        '--clip-shapes',
        action='store_true',
        help='also time the sampling shapes of CVRL and CARL (a second '
        'table)')
    parser.add_argument(
        '--full-augmentation',
        action='store_true',
        help='also time the CVRL and CARL configs\' training samples at '
        'their full augmentation, in the worker and on the device (a third '
        'table)')
    parser.add_argument(
        '--backends',
        nargs='+',
        choices=['decord', 'pyav', 'opencv', 'torchcodec'],
        help='compare these video decoders instead (ms per SCFA, CVRL and '
        'CARL sample; ratios to the first)')
    args = parser.parse_args()
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    cv2.setNumThreads(1)
    init_default_scope('mmaction')
    np.random.seed(0)
    videos = sorted(
        glob.glob(osp.join(args.videos, '*.mp4')) +
        glob.glob(osp.join(args.videos, '*.avi')))
    if not videos:
        raise FileNotFoundError(f'no .mp4/.avi clip in {args.videos}')
    if args.backends:
        compare_backends(args.backends, videos, args.rounds)
        return
    import decord
    with tempfile.TemporaryDirectory() as cache_dir:
        packs = build_packs(videos, cache_dir, with_rawframes=True)
        pack_bytes = [osp.getsize(path) for path in packs.values()]
        num_frames = [len(decord.VideoReader(v)) for v in videos]
        seconds = time_variants(
            build_variants(packs, dict(zip(videos, num_frames))), videos,
            args.rounds, (2, 3, 224, 224))
        if args.clip_shapes:
            big_packs = build_packs(videos, cache_dir, (298, 224))
            clip_seconds = time_variants(
                clip_pipelines(big_packs), videos, args.rounds)
        if args.full_augmentation:
            variants = full_augmentation_pipelines({
                method:
                build_packs(videos, cache_dir, size, subsampling='420')
                for method, (_, size) in FULL_AUGMENTATION_CONFIGS.items()
            })
            # each path interleaved with its own kind, as a data worker
            # runs one pipeline (the worker path's large arrays would
            # otherwise evict the device path's from the caches)
            full_seconds = {}
            for path in ('cpu', 'device'):
                full_seconds.update(
                    time_variants(
                        {
                            name: variant
                            for name, variant in variants.items()
                            if f' {path}, ' in name
                        }, videos, args.rounds))
            device_side = time_device_side(variants, videos, args.rounds)
    print(f'\n{len(videos)} clips ({sum(num_frames)} frames) x {args.rounds} '
          f'rounds on CPU core {core}: 2 views x 16 frames, 64x64, crop 56, '
          f'flip, 4x4 grid\n')
    print_table(seconds, BASELINE)
    print(f'\ncache size: {np.mean(pack_bytes) / 1024:.1f} KiB per video '
          f'(these clips: {np.mean(num_frames):.0f} frames on average), '
          f'{sum(pack_bytes) / sum(num_frames) / 1024:.2f} KiB per frame '
          '(JPEG quality 90, 4:4:4)')
    if args.clip_shapes:
        print('\nSampling shapes of the other methods (stock transforms, '
              'two clips per video, 224x224):\n')
        print_table(clip_seconds, None)
    if args.full_augmentation:
        print('\nTraining samples of the CVRL and CARL configs at full '
              'augmentation; cpu: augmented in the worker, device: drawn '
              'in the worker for ClipAugmentDataPreprocessor (each path '
              'timed on its own, its variants interleaved):\n')
        print_table(full_seconds, None)
        print('\nThe device side on this CPU, one thread '
              '(ClipAugmentDataPreprocessor on a batch of the device '
              'samples, normalisation included):\n')
        print('| device side | batch | ms/sample (mean) | '
              'ms/sample (median) |')
        print('|---|---|---|---|')
        for name, (batch, times) in device_side.items():
            print(f'| {name} | {batch} | {1000 * np.mean(times):.1f} | '
                  f'{1000 * np.median(times):.1f} |')


def time_variants(variants: Dict,
                  videos: List[str],
                  rounds: int,
                  shape: Tuple[int, ...] = None) -> Dict:
    """Seconds per call of every variant, interleaved clip by clip."""
    seconds: Dict[str, List[float]] = {name: [] for name in variants}
    for variant in variants.values():  # warm-up
        variant(videos[0])
    progress = ProgressBar(rounds * len(videos), file=sys.stderr)
    for _ in range(rounds):
        for video in videos:
            for name, variant in variants.items():
                start = time.perf_counter()
                packed = variant(video)
                seconds[name].append(time.perf_counter() - start)
                if shape is not None:
                    assert packed['inputs'].shape == shape
            progress.update()
    return seconds


def print_table(seconds: Dict[str, List[float]], baseline) -> None:
    base_total = sum(seconds[baseline]) if baseline else None
    width = max(26, *(len(name) for name in seconds))
    print(f'| {"pipeline":<{width}} | clips/s | ms/clip (mean) | speed-up |')
    print(f'|{"-" * (width + 2)}|---------|----------------|----------|')
    for name, times in seconds.items():
        total = sum(times)
        speed_up = f'{base_total / total:7.2f}x' if baseline else '       -'
        print(f'| {name:<{width}} | {len(times) / total:7.2f} | '
              f'{1000 * total / len(times):14.1f} | {speed_up} |')


if __name__ == '__main__':
    main()
