"""CARL's frame sampling: two long views from overlapping temporal crops,
and per-frame phase labels."""
import math
import os.path as osp
from typing import Dict, Sequence, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..randomness import seed_sample
from .loading import (checked_total_frames, decode_each_frame_once,
                      sample_source)


@TRANSFORMS.register_module()
class CARLSampleFrames(BaseTransform):
    """Two views of ``num_frames`` frames from overlapping random temporal
    crops of a video (CARL, Chen et al., CVPR 2022, section 3.2).

    Training: each view first takes a random temporal crop whose length is
    drawn uniformly from ``[T, floor(max_crop_ratio * T)]`` frames (at most
    the video), the two crops sharing at least
    ``ceil(min_overlap * shorter crop)`` frames; then ``T`` distinct frames
    of each crop are drawn at random and kept in temporal order. The
    first crop starts uniformly; the second uniformly among the starts
    that keep the overlap; the two views are returned in random order. A
    video shorter than ``T`` frames gives every view all its frames in
    order, padded at the end with its last frame, whose mask is False (the
    paper pads before cropping, which comes to the same).

    Test (``test_mode``): one view of every frame of the video, in order
    (CARL embeds whole videos at test time, without temporal
    down-sampling).

    Writes ``frame_inds`` ``(num_clips * clip_len, )`` view-major,
    ``clip_len``, ``num_clips``, ``frame_interval`` (None),
    ``frame_timestamps`` ``(num_clips, clip_len)`` int64 (the source frame
    index of every sampled frame, from 0, which the sequence contrastive
    loss compares) and ``frame_mask`` ``(num_clips, clip_len)`` bool (True
    for a real frame). Put both into ``PackActionInputs``'s
    ``algorithm_keys`` so that they reach the model. Like
    ``TemporalMultiView``, wraps a decord reader so that ``DecordDecode``
    decodes every distinct frame once.

    Args:
        num_frames (int): ``T``, frames per view, >= 1. Defaults to 80
            (the paper's Penn Action setting).
        max_crop_ratio (float): ``alpha`` >= 1, the longest crop in units
            of ``T``. Defaults to 1.5.
        min_overlap (float): ``beta`` in ``[0, 1]``, the least share of
            the shorter crop that the other crop covers. Defaults to 0.2.
        test_mode (bool): One view of the whole video. Defaults to False.
    """

    def __init__(self,
                 num_frames: int = 80,
                 max_crop_ratio: float = 1.5,
                 min_overlap: float = 0.2,
                 test_mode: bool = False) -> None:
        if not isinstance(num_frames, int) or isinstance(num_frames, bool) \
                or num_frames < 1:
            raise ValueError('CARLSampleFrames: num_frames must be an '
                             f'integer >= 1, got {num_frames!r}')
        if not max_crop_ratio >= 1:
            raise ValueError('CARLSampleFrames: max_crop_ratio must be >= 1, '
                             f'got {max_crop_ratio!r}')
        if not 0 <= min_overlap <= 1:
            raise ValueError('CARLSampleFrames: min_overlap must be in '
                             f'[0, 1], got {min_overlap!r}')
        self.num_frames = num_frames
        self.max_crop_ratio = max_crop_ratio
        self.min_overlap = min_overlap
        self.test_mode = test_mode

    def crops(self, total_frames: int) -> Tuple[np.ndarray, np.ndarray]:
        """Starts and lengths ``(2, )`` of the two crops of a video of
        ``total_frames >= num_frames`` frames."""
        longest = min(
            int(math.floor(self.max_crop_ratio * self.num_frames)),
            total_frames)
        lengths = np.random.randint(self.num_frames, longest + 1, size=2)
        shared = int(math.ceil(self.min_overlap * lengths.min()))
        first = np.random.randint(0, total_frames - lengths[0] + 1)
        low = max(0, first - lengths[1] + shared)
        high = min(total_frames - lengths[1], first + lengths[0] - shared)
        second = np.random.randint(low, high + 1)
        starts = np.array([first, second])
        if np.random.uniform() < 0.5:
            return starts[::-1].copy(), lengths[::-1].copy()
        return starts, lengths

    def sample(self, total_frames: int) -> Tuple[np.ndarray, np.ndarray]:
        """Timestamps ``(V, T)`` and mask ``(V, T)`` of the views."""
        if self.test_mode:
            steps = np.arange(total_frames)[None]
            return steps, np.ones_like(steps, dtype=bool)
        num_frames = self.num_frames
        if total_frames < num_frames:
            steps = np.minimum(np.arange(num_frames), total_frames - 1)
            mask = np.arange(num_frames) < total_frames
            return np.stack([steps, steps]), np.stack([mask, mask])
        starts, lengths = self.crops(total_frames)
        steps = [
            start +
            np.sort(np.random.choice(length, num_frames, replace=False))
            for start, length in zip(starts, lengths)
        ]
        return np.stack(steps), np.ones((2, num_frames), dtype=bool)

    def transform(self, results: Dict) -> Dict:
        """Write ``frame_inds``, the view keys, timestamps and mask.

        Args:
            results (dict): Needs ``total_frames``.
        """
        if not self.test_mode:
            seed_sample(results)
        total_frames = checked_total_frames(results, 'CARLSampleFrames')
        steps, mask = self.sample(total_frames)
        results['frame_inds'] = steps.reshape(-1) + results.get(
            'start_index', 0)
        results['num_clips'], results['clip_len'] = steps.shape
        results['frame_interval'] = None
        results['frame_timestamps'] = steps.astype(np.int64)
        results['frame_mask'] = mask
        decode_each_frame_once(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_frames={self.num_frames}, '
                f'max_crop_ratio={self.max_crop_ratio}, '
                f'min_overlap={self.min_overlap}, '
                f'test_mode={self.test_mode})')


@TRANSFORMS.register_module()
class LoadFramePhaseLabels(BaseTransform):
    """Read the per-frame phase labels of a video.

    The labels of a video are one ``.npy`` file of one integer per frame, in
    the layout of the CARL / LAV label releases: ``label_root/<split>/
    <action>/<video>.npy``, ``<split>`` one of ``splits`` (the file is
    looked up in each, so one pipeline serves every split), ``<action>`` the
    class name of the sample's label and ``<video>`` the file name of the
    video (or frame folder) without its extension. A missing file, one
    found in two splits, and one whose length differs from the video's
    frame count are errors that name the files (the authors' code resamples
    such labels silently).

    Writes ``frame_labels``: ``(total_frames, )`` int64, or, after a sampler
    (place it after one), the labels of the sampled frames, shaped like
    ``frame_timestamps``. Put it into ``PackActionInputs``'s
    ``algorithm_keys``.

    Args:
        label_root (str): Folder of the label release.
        class_names (Sequence[str]): Class names in label order (the
            ``<action>`` folders).
        splits (Sequence[str]): Split folders to look in. Defaults to
            ('train', 'val', 'test').
    """

    def __init__(
        self,
        label_root: str,
        class_names: Sequence[str],
        splits: Sequence[str] = ('train', 'val', 'test')
    ) -> None:
        if not class_names:
            raise ValueError('LoadFramePhaseLabels: class_names must name '
                             'the action folders in label order')
        if not splits:
            raise ValueError('LoadFramePhaseLabels: splits must name at '
                             'least one split folder')
        self.label_root = label_root
        self.class_names = list(class_names)
        self.splits = tuple(splits)

    def label_file(self, results: Dict) -> str:
        """The label file of a sample (checked to exist once)."""
        label = int(np.asarray(results['label']).reshape(-1)[0])
        if not 0 <= label < len(self.class_names):
            raise ValueError(
                f'LoadFramePhaseLabels: {sample_source(results)!r} has label '
                f'{label}, outside the {len(self.class_names)} class_names')
        video = osp.splitext(osp.basename(
            sample_source(results).rstrip('/')))[0]
        candidates = [
            osp.join(self.label_root, split, self.class_names[label],
                     f'{video}.npy') for split in self.splits
        ]
        found = [path for path in candidates if osp.isfile(path)]
        if not found:
            raise FileNotFoundError(
                f'LoadFramePhaseLabels: no phase labels for '
                f'{sample_source(results)!r}: none of {candidates} exists')
        if len(found) > 1:
            raise ValueError(
                f'LoadFramePhaseLabels: {sample_source(results)!r} has phase '
                f'labels in several splits: {found}')
        return found[0]

    def transform(self, results: Dict) -> Dict:
        """Add ``frame_labels``; needs ``label``, ``total_frames`` and,
        after a sampler, ``frame_timestamps``."""
        path = self.label_file(results)
        labels = np.load(path).astype(np.int64).reshape(-1)
        total_frames = int(results['total_frames'])
        if len(labels) != total_frames:
            raise ValueError(
                f'LoadFramePhaseLabels: {path} has {len(labels)} labels but '
                f'{sample_source(results)!r} has {total_frames} frames')
        steps = results.get('frame_timestamps')
        results['frame_labels'] = labels if steps is None else labels[steps]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(label_root={self.label_root!r}, '
                f'class_names={self.class_names}, splits={self.splits})')
