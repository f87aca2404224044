"""Temporal sampling of several views of one video."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..randomness import seed_sample
from .loading import checked_total_frames, decode_each_frame_once


@TRANSFORMS.register_module()
class TemporalMultiView(BaseTransform):
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

    If a video reader is present (``VideoInit``, or MMAction2's
    ``DecordInit``, ``PyAVInit`` or ``OpenCVInit`` before this transform),
    it is wrapped in :class:`UniqueFrameReader`, so that the stock decode
    transform decodes each distinct frame once, in temporal order, even
    though the views share frames and come view-major.

    Required Keys:

    - total_frames
    - start_index (optional, default 0)
    - video_reader (optional)
    - filename or frame_dir (optional, used in error messages)

    Added Keys:

    - frame_inds: ``(num_views * clip_len, )`` int64
    - num_clips: ``num_views``
    - clip_len
    - frame_interval: None

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
        for name, value in (('num_views', num_views), ('clip_len', clip_len)):
            if not isinstance(value, int) or isinstance(value, bool) \
                    or value < 1:
                raise ValueError(f'TemporalMultiView: {name} must be an '
                                 f'integer >= 1, got {value!r}')
        if strategy not in self.strategies:
            raise ValueError(f'TemporalMultiView: strategy must be one of '
                             f'{self.strategies}, got {strategy!r}')
        self.num_views = num_views
        self.clip_len = clip_len
        self.strategy = strategy
        self.test_mode = test_mode

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

    def transform(self, results: Dict) -> Dict:
        """Write ``frame_inds`` for all views.

        Args:
            results (dict): The result dict; needs ``total_frames``.

        Returns:
            dict: The result dict with the keys above added.
        """
        if not self.test_mode:
            seed_sample(results)
        total_frames = checked_total_frames(results, 'TemporalMultiView')
        frame_inds = np.concatenate([
            self._view_indices(total_frames, view)
            for view in range(self.num_views)
        ])
        results['frame_inds'] = frame_inds + results.get('start_index', 0)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_views
        decode_each_frame_once(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_views={self.num_views}, '
                f'clip_len={self.clip_len}, strategy={self.strategy!r}, '
                f'test_mode={self.test_mode})')
