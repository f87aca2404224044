"""CARL's frame sampling: two long views of a video, by the authors'
released law or the paper's overlapping crops.

``LoadFramePhaseLabels``, the per-frame phase labels CARL is evaluated
with, is in :mod:`.loading` (still importable from here)."""
import math
from typing import Any, Dict, Optional, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS

from ...utils.arguments import check_choice, check_int, check_number
from .loading import LoadFramePhaseLabels
from .multiview_sampling import BaseMultiViewSampler, renamed_argument

__all__ = ['CROP_LAWS', 'CARLSampleFrames', 'LoadFramePhaseLabels']

CROP_LAWS = ('release', 'paper')


@TRANSFORMS.register_module()
class CARLSampleFrames(BaseMultiViewSampler):
    """Two views of ``clip_len`` frames of a video for CARL (Chen et al.,
    CVPR 2022, section 3.2), by the authors' released law or by the
    paper's text.

    With ``S`` the video's frame count, ``T = clip_len``,
    ``alpha = max_crop_ratio`` and ``beta = min_overlap``:

    - ``crop_law='release'`` (the authors' code, ``time_augment`` in
      ``datasets/penn_action.py``; what the Penn Action config uses): each
      view, independently of the other, draws ``u ~ U[1, alpha)`` and a
      window of ``W = ceil(u * S)`` positions ``0 .. W - 1`` starting at
      the video's first frame, then ``min(S, T)`` distinct positions of the
      window at random, sorted. Positions ``>= S`` lie past the video's
      end: they are padding. A video shorter than ``T`` is then padded to
      ``T`` slots at the end. Padding slots are masked and point at the
      last frame (timestamp ``S - 1``). So a view spans the whole video,
      about ``1 / u`` of its positions are real frames (on average
      ``E[1/u] = 2 ln 1.5 = 0.81`` for ``alpha = 1.5``), the padding is
      always at the end, and two views of a short video differ (a view has
      at least one real frame, except for a one-frame video, where half
      the views have none, as in the release). The
      release's window offset is always 0 (its range is empty because
      ``W >= S``), so its ``CONSISTENT_OFFSET`` has no effect and
      ``min_overlap`` is not used here.
    - ``crop_law='paper'`` (the paper's text): each view takes a temporal
      crop whose length ``L`` is drawn uniformly from the integers
      ``[T, floor(alpha * T)]``; the two crops share at least
      ``ceil(beta * shorter L)`` positions. Empty frames are padded before
      cropping: a crop longer than the video starts at its first frame
      and runs past its end into padding (the video is padded to the
      crop's length). The paper pads only videos shorter than ``T``;
      padding every video shorter than the crop keeps the crop length
      law the same for all videos and makes two views of a short video
      differ (padded only to ``T``, every crop of such a video would be
      the same ``T`` slots, and the two views identical). Crop starts:
      the first uniform among ``0 .. max(0, S - L)``, the second uniform
      among its starts that keep the overlap; the two views are returned
      in random order. Then ``T`` distinct positions of each crop are
      drawn at random, sorted; positions ``>= S`` are padding (masked,
      timestamp ``S - 1``) and may fall anywhere after the last real
      frame of the view. A view that drew no real frame (possible only if
      ``S <= (alpha - 1) T``) draws its positions again, so that every
      view has at least one.

    Test (``test_mode``): one view of every frame of the video, in order
    (CARL embeds whole videos at test time, without temporal
    down-sampling), for either law.

    Writes the keys of :class:`BaseMultiViewSampler` (``num_clips`` 2
    views, 1 in ``test_mode``; ``frame_interval`` None; wraps the video
    reader to decode every distinct frame once), and
    ``frame_timestamps`` ``(num_clips, clip_len)`` int64 (the source frame
    index of every sampled frame, from 0, which the sequence contrastive
    loss compares; padding points at the last frame) and ``frame_mask``
    ``(num_clips, clip_len)`` bool (True for a real frame). Put both into
    ``PackActionInputs``'s ``algorithm_keys`` so that they reach the
    model.

    Args:
        clip_len (int): ``T``, frames per view, >= 1. Defaults to 80
            (Penn Action's setting in the paper and the release).
        max_crop_ratio (float): ``alpha`` >= 1: the largest window of the
            release law in units of ``S`` (``SAMPLING_REGION``), or the
            longest crop of the paper law in units of ``T``. Defaults to
            1.5.
        min_overlap (float): ``beta`` in ``[0, 1]``, for the paper law
            only: the least share of the shorter crop that the other crop
            covers. Defaults to 0.2.
        crop_law (str): ``'release'`` or ``'paper'``, see above. Defaults
            to ``'release'``.
        test_mode (bool): One view of the whole video. Defaults to False.
        num_frames (int, optional): The old name of ``clip_len``, still
            accepted.
    """

    def __init__(self,
                 clip_len: Optional[int] = None,
                 max_crop_ratio: float = 1.5,
                 min_overlap: float = 0.2,
                 crop_law: str = 'release',
                 test_mode: bool = False,
                 num_frames: Optional[int] = None) -> None:
        clip_len = renamed_argument('CARLSampleFrames', 'clip_len', clip_len,
                                    'num_frames', num_frames, 80)
        check_int('CARLSampleFrames', clip_len=clip_len)
        check_number(
            'CARLSampleFrames', 'max_crop_ratio', max_crop_ratio, minimum=1)
        check_number(
            'CARLSampleFrames',
            'min_overlap',
            min_overlap,
            minimum=0,
            maximum=1)
        check_choice('CARLSampleFrames', 'crop_law', crop_law, CROP_LAWS)
        # two views in training; at test time one of the whole video
        super().__init__(1 if test_mode else 2, clip_len, test_mode)
        self.max_crop_ratio = max_crop_ratio
        self.min_overlap = min_overlap
        self.crop_law = crop_law

    @property
    def frames_needed(self) -> int:
        """``clip_len`` in training (a shorter video has padding slots in
        every view), 1 in ``test_mode`` (every frame, however few)."""
        return 1 if self.test_mode else self.clip_len

    def release_window(self, total_frames: int) -> int:
        """Window length ``W = ceil(u * S)``, ``u ~ U[1, alpha)``, of one
        view under the release law."""
        ratio = np.random.uniform(1.0, self.max_crop_ratio) \
            if self.max_crop_ratio > 1 else 1.0
        return int(math.ceil(ratio * total_frames))

    def release_positions(self, total_frames: int) -> np.ndarray:
        """Sorted positions ``(min(S, T), )`` of one view under the release
        law; those ``>= total_frames`` are past the video's end."""
        window = self.release_window(total_frames)
        drawn = min(total_frames, self.clip_len)
        return np.sort(np.random.choice(window, drawn, replace=False))

    def crops(self, total_frames: int) -> Tuple[np.ndarray, np.ndarray]:
        """Starts and lengths ``(2, )`` of the two crops of the paper law;
        a crop may run past the video's end (into padding)."""
        lengths = np.random.randint(
            self.clip_len,
            int(math.floor(self.max_crop_ratio * self.clip_len)) + 1,
            size=2)
        last_starts = np.maximum(total_frames - lengths, 0)
        shared = int(math.ceil(self.min_overlap * lengths.min()))
        first = np.random.randint(0, last_starts[0] + 1)
        low = max(0, first - lengths[1] + shared)
        high = min(last_starts[1], first + lengths[0] - shared)
        second = np.random.randint(low, high + 1)
        starts = np.array([first, second])
        if np.random.uniform() < 0.5:
            return starts[::-1].copy(), lengths[::-1].copy()
        return starts, lengths

    def paper_positions(self, total_frames: int, start: int,
                        length: int) -> np.ndarray:
        """Sorted positions ``(T, )`` drawn from one crop of the paper law,
        at least one of them a real frame."""
        while True:
            positions = start + np.sort(
                np.random.choice(length, self.clip_len, replace=False))
            if positions[0] < total_frames:
                return positions

    def sample(self, total_frames: int) -> Tuple[np.ndarray, np.ndarray]:
        """Timestamps ``(V, T)`` and mask ``(V, T)`` of the views."""
        if self.test_mode:
            steps = np.arange(total_frames)[None]
            return steps, np.ones_like(steps, dtype=bool)
        if self.crop_law == 'release':
            views = []
            for _ in range(2):
                positions = self.release_positions(total_frames)
                padding = self.clip_len - len(positions)
                views.append(
                    np.pad(
                        positions, (0, padding), constant_values=total_frames))
        else:
            starts, lengths = self.crops(total_frames)
            views = [
                self.paper_positions(total_frames, start, length)
                for start, length in zip(starts, lengths)
            ]
        positions = np.stack(views)
        mask = positions < total_frames
        return np.minimum(positions, total_frames - 1), mask

    def sample_views(self,
                     total_frames: int) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Timestamps ``(V, T)`` of the views, and as extra keys the same
        timestamps as ``frame_timestamps`` and the mask as
        ``frame_mask``."""
        steps, mask = self.sample(total_frames)
        return steps, dict(
            frame_timestamps=steps.astype(np.int64), frame_mask=mask)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'max_crop_ratio={self.max_crop_ratio}, '
                f'min_overlap={self.min_overlap}, '
                f'crop_law={self.crop_law!r}, '
                f'test_mode={self.test_mode})')
