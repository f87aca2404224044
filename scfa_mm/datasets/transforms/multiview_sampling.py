"""The shared half of the plugin's temporal samplers: several views of a
video, each a few frames of it.

Every sampler (:class:`TemporalMultiView`, :class:`CVRLSampleFrames`,
:class:`CARLSampleFrames`) writes the same keys with the same meaning,
the data side of the view contract that the models' view splitting reads:

- ``frame_inds`` ``(num_views * clip_len, )`` int64: view-major, each
  view's frames in its own order, plus the sample's ``start_index``;
- ``num_clips``: the number of views (MMAction2's name for it, which
  ``FormatShape`` and ``PerView`` read);
- ``clip_len``: frames per view;
- ``frame_interval``: the stride within a view, or None.

:class:`BaseMultiViewSampler` writes them; a sampler only says how it picks
the frames of its views (:meth:`~BaseMultiViewSampler.sample_views`) and
how many frames a video needs for that (``frames_needed``).
"""
from abc import abstractmethod
from typing import Any, Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from ..randomness import seed_sample
from .loading import checked_total_frames, decode_each_frame_once


def renamed_argument(owner: str, name: str, value: Any, old_name: str,
                     old_value: Any, default: Any) -> Any:
    """The value of an argument that configs may still give by its old
    name.

    Args:
        owner (str): The component, first word of an error message.
        name (str): The argument's name.
        value: The argument, None if not given.
        old_name (str): Its old name.
        old_value: The argument by its old name, None if not given.
        default: The value when neither is given.

    Raises:
        ValueError: If both names are given with different values (a
            config and its base spelling it differently, say).
    """
    if old_value is None:
        return default if value is None else value
    if value is not None and value != old_value:
        raise ValueError(f'{owner}: {name}={value!r} and its old name '
                         f'{old_name}={old_value!r} disagree; give {name} '
                         'only')
    return old_value


class BaseMultiViewSampler(BaseTransform):
    """Write ``num_views`` temporal views of ``clip_len`` frames of a video.

    :meth:`transform` seeds the sample's random draws (training only, see
    :func:`~scfa_mm.datasets.randomness.seed_sample`), checks the frame
    count, asks :meth:`sample_views` for the frames, writes the keys of
    the module docstring and the extra keys :meth:`sample_views` returns,
    and wraps the video reader (any backend: ``VideoInit``, MMAction2's
    ``DecordInit``, ``PyAVInit`` or ``OpenCVInit``) in
    :class:`UniqueFrameReader`, so that the stock decode transform decodes
    every distinct frame once, in temporal order, though views share
    frames and come view-major.

    A subclass implements :meth:`sample_views` and ``frames_needed``, and
    sets ``frame_interval`` if its views have a stride.

    Required Keys:

    - total_frames
    - start_index (optional, default 0)
    - video_reader (optional)
    - filename or frame_dir (optional, used in error messages)

    Added Keys:

    - frame_inds: ``(num_views * clip_len, )`` int64, view-major
    - num_clips: the number of views
    - clip_len: frames per view
    - frame_interval: ``self.frame_interval`` (None: no fixed stride)
    - the extra keys of :meth:`sample_views`

    Args:
        num_views (int): Views per video, >= 1.
        clip_len (int): Frames per view, >= 1.
        test_mode (bool): Deterministic sampling for evaluation (no
            seeding of the sample's draws).
    """

    #: Stride between the frames of a view, written as ``frame_interval``.
    frame_interval: Optional[int] = None

    def __init__(self, num_views: int, clip_len: int, test_mode: bool) -> None:
        self.num_views = num_views
        self.clip_len = clip_len
        self.test_mode = test_mode

    @property
    @abstractmethod
    def frames_needed(self) -> int:
        """The least frame count of a video that this sampler samples
        without repeating or padding frames (shorter videos still work,
        each sampler says how); ``tools/data/check_videos.py`` asks it."""

    @abstractmethod
    def sample_views(self,
                     total_frames: int) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Pick the frames of every view of a video.

        Args:
            total_frames (int): The video's frame count, >= 1.

        Returns:
            tuple[np.ndarray, dict]: Frame positions ``(V, T)`` int64,
            from 0 (``start_index`` is added later), one row per view,
            and extra keys to write into the results (may be empty).
        """

    def transform(self, results: Dict) -> Dict:
        """Write ``frame_inds`` and the view keys of all views.

        Args:
            results (dict): The result dict; needs ``total_frames``.

        Returns:
            dict: The result dict with the keys above added.
        """
        if not self.test_mode:
            seed_sample(results)
        total_frames = checked_total_frames(results, type(self).__name__)
        views, extra_keys = self.sample_views(total_frames)
        results['frame_inds'] = views.reshape(-1) + results.get(
            'start_index', 0)
        results['num_clips'], results['clip_len'] = views.shape
        results['frame_interval'] = self.frame_interval
        results.update(extra_keys)
        decode_each_frame_once(results)
        return results
