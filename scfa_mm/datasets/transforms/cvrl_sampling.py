"""CVRL's temporally interval-sampled pairs of clips."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..randomness import seed_sample
from .loading import checked_total_frames, decode_each_frame_once


def draw_interval(max_distance: int, power: float) -> int:
    """A start distance ``d`` in ``[0, max_distance)`` drawn with density
    proportional to ``1 - (d / max_distance) ** power``.

    Rejection sampling of ``x = d / max_distance`` on ``[0, 1)``: a uniform
    ``x`` is kept with probability ``1 - x ** power`` (on average
    ``power / (power + 1)`` of the draws).
    """
    while True:
        x = np.random.uniform()
        if np.random.uniform() < 1 - x**power:
            return min(int(x * max_distance), max_distance - 1)


@TRANSFORMS.register_module()
class CVRLSampleFrames(BaseTransform):
    """Two clips of a video whose start distance favours near clips (CVRL).

    Replaces ``SampleFrames`` for CVRL pre-training (Qian et al., CVPR
    2021). Each clip has ``clip_len`` frames ``frame_interval`` apart. With
    ``M = total_frames - (clip_len - 1) * frame_interval`` possible starts,
    the distance ``d`` between the two starts is drawn on ``[0, M)`` with
    density proportional to ``1 - (d / M) ** power`` (``power=1``: linearly
    decreasing, near clips likelier than far ones); the first start is
    uniform on ``[0, M - d)``, the second is ``d`` later, and the two clips
    are returned in random order. A video shorter than one clip repeats its
    frames in order (the clip wraps around), both starts uniform.

    In ``test_mode``, ``num_clips`` clips (any number) start at evenly
    spaced, deterministic positions, as ``SampleFrames`` does in test mode.

    Writes ``frame_inds`` ``(num_clips * clip_len, )`` clip-major,
    ``clip_len``, ``frame_interval`` and ``num_clips``, and, like
    ``TemporalMultiView``, wraps the video reader (any backend) so that the
    decode transform decodes every distinct frame once.

    Args:
        clip_len (int): Frames per clip. Defaults to 16.
        frame_interval (int): Stride between frames of a clip. Defaults
            to 2.
        num_clips (int): Clips per video; 2 in training. Defaults to 2.
        power (float): Exponent of the distance law, > 0. Defaults to 1.
        test_mode (bool): Deterministic clips. Defaults to False.
    """

    def __init__(self,
                 clip_len: int = 16,
                 frame_interval: int = 2,
                 num_clips: int = 2,
                 power: float = 1.0,
                 test_mode: bool = False) -> None:
        for name, value in (('clip_len', clip_len),
                            ('frame_interval', frame_interval), ('num_clips',
                                                                 num_clips)):
            if not isinstance(value, int) or isinstance(value, bool) \
                    or value < 1:
                raise ValueError(f'CVRLSampleFrames: {name} must be an '
                                 f'integer >= 1, got {value!r}')
        if not test_mode and num_clips != 2:
            raise ValueError('CVRLSampleFrames: training draws pairs of '
                             f'clips, num_clips must be 2, got {num_clips}')
        if not power > 0:
            raise ValueError(
                f'CVRLSampleFrames: power must be > 0, got {power!r}')
        self.clip_len = clip_len
        self.frame_interval = frame_interval
        self.num_clips = num_clips
        self.power = power
        self.test_mode = test_mode

    def clip_starts(self, total_frames: int) -> np.ndarray:
        """Start frames of the clips, ``(num_clips, )``."""
        span = (self.clip_len - 1) * self.frame_interval
        num_starts = total_frames - span
        if self.test_mode:
            num_starts = max(num_starts, 1)
            step = num_starts / self.num_clips
            return (np.arange(self.num_clips) * step + step / 2).astype(
                np.int64)
        if num_starts < 1:  # shorter than one clip: wrap, starts uniform
            return np.random.randint(0, total_frames, size=2)
        distance = draw_interval(num_starts, self.power)
        first = np.random.randint(0, num_starts - distance)
        starts = np.array([first, first + distance])
        return starts[::-1].copy() if np.random.uniform() < 0.5 else starts

    def transform(self, results: Dict) -> Dict:
        """Write ``frame_inds`` and the clip keys.

        Args:
            results (dict): Needs ``total_frames``.
        """
        if not self.test_mode:
            seed_sample(results)
        total_frames = checked_total_frames(results, 'CVRLSampleFrames')
        offsets = np.arange(self.clip_len) * self.frame_interval
        starts = self.clip_starts(total_frames)
        frame_inds = (starts[:, None] + offsets[None, :]) % total_frames
        results['frame_inds'] = frame_inds.reshape(-1) + results.get(
            'start_index', 0)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = self.frame_interval
        results['num_clips'] = self.num_clips
        decode_each_frame_once(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'num_clips={self.num_clips}, power={self.power}, '
                f'test_mode={self.test_mode})')
