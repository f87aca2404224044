"""Temporal sampling of several views of one video."""
from typing import Any, Dict, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS

from ...utils.arguments import check_choice, check_int
from .multiview_sampling import BaseMultiViewSampler


@TRANSFORMS.register_module()
class TemporalMultiView(BaseMultiViewSampler):
    """Sample ``num_views`` temporal views of ``clip_len`` frames each.

    A drop-in replacement for MMAction2's ``SampleFrames``: each view is a
    different temporal sampling of the whole video (SCFA's "natural views"),
    returned view-major, each view in ascending temporal order.

    Strategies (training):

    - ``'segment'``: the video is cut into ``clip_len`` equal segments and one
      random frame is drawn per segment, independently for every view.
    - ``'uniform'``: ``clip_len`` evenly spaced frames with a random offset
      common to the view.
    - ``'random'``: ``clip_len`` distinct frames drawn at random, sorted.

    In ``test_mode`` every strategy gives the same deterministic indices:
    view ``v`` of ``V`` takes the point at fraction ``(2v + 1) / (2V)`` of
    every segment, i.e. the segment centres for one view and evenly shifted
    positions for more.

    A video with fewer than ``clip_len`` frames is stretched: every frame is
    used and frames repeat in order (the ``'uniform'`` rule, whatever the
    strategy). A video with no frame raises a ``ValueError`` naming the file.

    Keys read and written, and the decode-once reader: see
    :class:`BaseMultiViewSampler` (``frame_interval`` None).

    Args:
        num_views (int): Number of temporal views. Defaults to 2.
        clip_len (int): Frames per view. Defaults to 16.
        strategy (str): ``'segment'``, ``'uniform'`` or ``'random'``.
            Defaults to ``'segment'``.
        test_mode (bool): Deterministic sampling for evaluation.
            Defaults to False.
    """

    strategies = ('segment', 'uniform', 'random')

    def __init__(self,
                 num_views: int = 2,
                 clip_len: int = 16,
                 strategy: str = 'segment',
                 test_mode: bool = False) -> None:
        check_int('TemporalMultiView', num_views=num_views, clip_len=clip_len)
        check_choice('TemporalMultiView', 'strategy', strategy,
                     self.strategies)
        super().__init__(num_views, clip_len, test_mode)
        self.strategy = strategy

    @property
    def frames_needed(self) -> int:
        """``clip_len``: a shorter video repeats frames within a view."""
        return self.clip_len

    def _view_indices(self, total_frames: int, view: int) -> np.ndarray:
        """Frame indices of one view, ``(clip_len, )``, ascending."""
        step = total_frames / self.clip_len
        positions = np.arange(self.clip_len) * step
        if self.test_mode:
            offset = step * (2 * view + 1) / (2 * self.num_views)
            return np.floor(positions + offset).astype(np.int64)
        if total_frames < self.clip_len or self.strategy == 'uniform':
            offset = np.random.uniform(0, step)
            return np.floor(positions + offset).astype(np.int64)
        if self.strategy == 'segment':
            # Integer bounds: every segment holds >= 1 frame, so the indices
            # are strictly increasing.
            bounds = np.floor(np.append(positions,
                                        total_frames)).astype(np.int64)
            return np.random.randint(bounds[:-1], bounds[1:])
        return np.sort(
            np.random.choice(total_frames, self.clip_len, replace=False))

    def sample_views(self,
                     total_frames: int) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Indices ``(num_views, clip_len)``, view after view; no extra
        keys."""
        return np.stack([
            self._view_indices(total_frames, view)
            for view in range(self.num_views)
        ]), {}

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_views={self.num_views}, '
                f'clip_len={self.clip_len}, strategy={self.strategy!r}, '
                f'test_mode={self.test_mode})')
