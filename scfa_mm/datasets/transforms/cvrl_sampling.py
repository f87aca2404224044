"""CVRL's temporally interval-sampled pairs of clips."""
from typing import Any, Dict, Optional, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS

from ...utils.arguments import check_int, check_number
from .multiview_sampling import BaseMultiViewSampler, renamed_argument


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
class CVRLSampleFrames(BaseMultiViewSampler):
    """Two clips of a video whose start distance favours near clips (CVRL).

    Replaces ``SampleFrames`` for CVRL pre-training (Qian et al., CVPR
    2021). Each clip (view) has ``clip_len`` frames ``frame_interval``
    apart. With ``M = total_frames - (clip_len - 1) * frame_interval``
    possible starts, the distance ``d`` between the two starts is drawn on
    ``[0, M)`` with density proportional to ``1 - (d / M) ** power``
    (``power=1``: linearly decreasing, near clips likelier than far ones);
    the first start is uniform on ``[0, M - d)``, the second is ``d``
    later, and the two clips are returned in random order. A video shorter
    than one clip repeats its frames in order (the clip wraps around), both
    starts uniform.

    In ``test_mode``, ``num_views`` clips (any number) start at evenly
    spaced, deterministic positions, as ``SampleFrames`` does in test mode.

    Keys read and written, and the decode-once reader: see
    :class:`BaseMultiViewSampler` (``frame_interval`` the clips' stride).

    Args:
        clip_len (int): Frames per clip. Defaults to 16.
        frame_interval (int): Stride between frames of a clip. Defaults
            to 2.
        num_views (int): Clips per video; 2 in training. Defaults to 2.
        power (float): Exponent of the distance law, > 0. Defaults to 1.
        test_mode (bool): Deterministic clips. Defaults to False.
        num_clips (int, optional): The old name of ``num_views`` (MMAction2's
            ``SampleFrames`` spelling), still accepted.
    """

    def __init__(self,
                 clip_len: int = 16,
                 frame_interval: int = 2,
                 num_views: Optional[int] = None,
                 power: float = 1.0,
                 test_mode: bool = False,
                 num_clips: Optional[int] = None) -> None:
        num_views = renamed_argument('CVRLSampleFrames', 'num_views',
                                     num_views, 'num_clips', num_clips, 2)
        check_int(
            'CVRLSampleFrames',
            clip_len=clip_len,
            frame_interval=frame_interval,
            num_views=num_views)
        if not test_mode and num_views != 2:
            raise ValueError('CVRLSampleFrames: training draws pairs of '
                             f'clips, num_views must be 2, got {num_views}')
        check_number(
            'CVRLSampleFrames', 'power', power, minimum=0, strict_minimum=True)
        super().__init__(num_views, clip_len, test_mode)
        self.frame_interval = frame_interval
        self.power = power

    @property
    def frames_needed(self) -> int:
        """One clip's span, ``(clip_len - 1) * frame_interval + 1``: a
        shorter video wraps around within a clip."""
        return (self.clip_len - 1) * self.frame_interval + 1

    def clip_starts(self, total_frames: int) -> np.ndarray:
        """Start frames of the clips, ``(num_views, )``."""
        span = (self.clip_len - 1) * self.frame_interval
        num_starts = total_frames - span
        if self.test_mode:
            num_starts = max(num_starts, 1)
            step = num_starts / self.num_views
            return (np.arange(self.num_views) * step + step / 2).astype(
                np.int64)
        if num_starts < 1:  # shorter than one clip: wrap, starts uniform
            return np.random.randint(0, total_frames, size=2)
        distance = draw_interval(num_starts, self.power)
        first = np.random.randint(0, num_starts - distance)
        starts = np.array([first, first + distance])
        return starts[::-1].copy() if np.random.uniform() < 0.5 else starts

    def sample_views(self,
                     total_frames: int) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Frames ``(num_views, clip_len)`` of the clips; no extra keys."""
        offsets = np.arange(self.clip_len) * self.frame_interval
        starts = self.clip_starts(total_frames)
        return (starts[:, None] + offsets[None, :]) % total_frames, {}

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'num_views={self.num_views}, power={self.power}, '
                f'test_mode={self.test_mode})')
