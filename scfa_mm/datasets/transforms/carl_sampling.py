"""CARL's frame sampling: two long views of a video (the authors' released
law or the paper's overlapping crops), and per-frame phase labels."""
import math
import os.path as osp
from typing import Dict, Sequence, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..randomness import seed_sample
from .loading import (checked_total_frames, decode_each_frame_once,
                      sample_source)


CROP_LAWS = ('release', 'paper')


@TRANSFORMS.register_module()
class CARLSampleFrames(BaseTransform):
    """Two views of ``num_frames`` frames of a video for CARL (Chen et al.,
    CVPR 2022, section 3.2), by the authors' released law or by the
    paper's text.

    With ``S`` the video's frame count, ``T = num_frames``,
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

    Writes ``frame_inds`` ``(num_clips * clip_len, )`` view-major,
    ``clip_len``, ``num_clips``, ``frame_interval`` (None),
    ``frame_timestamps`` ``(num_clips, clip_len)`` int64 (the source frame
    index of every sampled frame, from 0, which the sequence contrastive
    loss compares; padding points at the last frame) and ``frame_mask``
    ``(num_clips, clip_len)`` bool (True for a real frame). Put both into
    ``PackActionInputs``'s ``algorithm_keys`` so that they reach the
    model. Like ``TemporalMultiView``, wraps the video reader (any backend)
    so that the decode transform decodes every distinct frame once.

    Args:
        num_frames (int): ``T``, frames per view, >= 1. Defaults to 80
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
    """

    def __init__(self,
                 num_frames: int = 80,
                 max_crop_ratio: float = 1.5,
                 min_overlap: float = 0.2,
                 crop_law: str = 'release',
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
        if crop_law not in CROP_LAWS:
            raise ValueError(f'CARLSampleFrames: crop_law must be one of '
                             f'{CROP_LAWS}, got {crop_law!r}')
        self.num_frames = num_frames
        self.max_crop_ratio = max_crop_ratio
        self.min_overlap = min_overlap
        self.crop_law = crop_law
        self.test_mode = test_mode

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
        drawn = min(total_frames, self.num_frames)
        return np.sort(np.random.choice(window, drawn, replace=False))

    def crops(self, total_frames: int) -> Tuple[np.ndarray, np.ndarray]:
        """Starts and lengths ``(2, )`` of the two crops of the paper law;
        a crop may run past the video's end (into padding)."""
        lengths = np.random.randint(
            self.num_frames,
            int(math.floor(self.max_crop_ratio * self.num_frames)) + 1,
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
                np.random.choice(length, self.num_frames, replace=False))
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
                padding = self.num_frames - len(positions)
                views.append(
                    np.pad(positions, (0, padding),
                           constant_values=total_frames))
        else:
            starts, lengths = self.crops(total_frames)
            views = [
                self.paper_positions(total_frames, start, length)
                for start, length in zip(starts, lengths)
            ]
        positions = np.stack(views)
        mask = positions < total_frames
        return np.minimum(positions, total_frames - 1), mask

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
                f'crop_law={self.crop_law!r}, '
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
