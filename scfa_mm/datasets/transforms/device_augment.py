"""Per-view augmentation drawn in the data workers, done on the device."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.datasets.transforms import Flip, RandomResizedCrop, Resize
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform, RandomApply

from ..randomness import seed_sample
from .clip_augment import (ClipColorJitter, ClipGaussianBlur,
                           ClipRandomGrayscale, ClipRandomSolarize,
                           _ClipTransform)
from .wrappers import view_layout

# The results key (and data sample field) that carries the draws.
VIEW_AUGMENT_KEY = 'view_augment'
# The order of ClipColorJitter's ops in a draw's ``order``.
COLOR_OP_NAMES = ('brightness', 'contrast', 'saturation', 'hue')

_SUPPORTED = ('RandomResizedCrop', 'Resize', 'Flip', 'ClipColorJitter',
              'ClipRandomGrayscale', 'ClipGaussianBlur', 'ClipRandomSolarize',
              'RandomApply')


@TRANSFORMS.register_module()
class PerViewOnDevice(BaseTransform):
    """Draw a per-view augmentation here, in the data worker, and leave the
    work to :class:`~scfa_mm.models.ClipAugmentDataPreprocessor` on the
    training device.

    The device-side twin of :class:`PerView`: the same sub-pipeline, the
    same random draws (one per view for all of its frames, independent
    between views and videos, from the sample's seeded generators, so that
    :class:`~scfa_mm.engine.DataEpochSeedHook` replays them on resume), but
    the frames stay as decoded, ``uint8``, and only the draws travel with
    the sample, under ``results['view_augment']``: a list of ops, each a
    dict with ``op`` and one array per parameter, first axis the views.
    ``PackActionInputs`` must pack them:
    ``algorithm_keys=(..., 'view_augment')``.

    Every view must have the same frame size (true of a decoded video, a
    frame cache or a fixed ``Resize`` before); the views of different
    videos may differ. Supported sub-transforms, first the spatial ones:
    at most one ``RandomResizedCrop``, then one fixed-size bilinear
    ``Resize`` (needed after a crop: it gives the output size), a
    horizontal ``Flip``; then ``ClipColorJitter``, ``ClipRandomGrayscale``,
    ``ClipGaussianBlur``, ``ClipRandomSolarize`` (one probability, or one
    per view) and ``RandomApply`` of those.

    Args:
        transforms (list[dict]): The sub-pipeline, as :class:`PerView`'s.

    Example:
        >>> dict(type='PerViewOnDevice', transforms=[
        ...     dict(type='RandomResizedCrop'),
        ...     dict(type='Resize', scale=(224, 224), keep_ratio=False),
        ...     dict(type='Flip', flip_ratio=0.5),
        ...     dict(type='ClipColorJitter', p=0.8)])
    """

    def __init__(self, transforms: List[dict]) -> None:
        if not transforms:
            raise ValueError('PerViewOnDevice: transforms must not be empty')
        self.transforms = [TRANSFORMS.build(t) for t in transforms]
        self.crop: Optional[RandomResizedCrop] = None
        self.size: Optional[Tuple[int, int]] = None
        self.flip_ratio = 0.0
        self.clip_ops = []
        for transform in self.transforms:
            self._add(transform)
        if self.crop is not None and self.size is None:
            raise ValueError('PerViewOnDevice: RandomResizedCrop needs a '
                             'fixed-size Resize after it')

    def _add(self, transform: BaseTransform) -> None:
        name = type(transform).__name__
        spatial = isinstance(transform, (RandomResizedCrop, Resize, Flip))
        if spatial and self.clip_ops:
            raise ValueError(f'PerViewOnDevice: {name} after a colour or '
                             'blur op; crop, resize and flip come first')
        if isinstance(transform,
                      (RandomResizedCrop, Resize)) and (self.size is not None):
            raise ValueError(f'PerViewOnDevice: {name} after a Resize; one '
                             'RandomResizedCrop, then one Resize')
        if isinstance(transform, RandomResizedCrop):
            if transform.lazy or self.crop is not None:
                raise ValueError('PerViewOnDevice: one RandomResizedCrop, '
                                 'not lazy')
            self.crop = transform
        elif isinstance(transform, Resize):
            width, height = transform.scale
            if (transform.keep_ratio or min(width, height) <= 0
                    or transform.interpolation != 'bilinear'):
                raise ValueError(
                    'PerViewOnDevice: Resize needs a fixed scale=(w, h), '
                    "keep_ratio=False and 'bilinear', got "
                    f'scale={transform.scale}, keep_ratio='
                    f'{transform.keep_ratio}, {transform.interpolation!r}')
            self.size = (int(height), int(width))
        elif isinstance(transform, Flip):
            if transform.direction != 'horizontal':
                raise ValueError('PerViewOnDevice: Flip must be horizontal, '
                                 f'got {transform.direction!r}')
            self.flip_ratio = transform.flip_ratio
        elif isinstance(transform, _ClipTransform):
            self.clip_ops.append((transform, None))
        elif isinstance(transform, RandomApply):
            for inner in transform.transforms.transforms:
                if not isinstance(inner, _ClipTransform):
                    raise ValueError(
                        'PerViewOnDevice: RandomApply may hold the Clip* '
                        f'colour and blur ops only, got {inner!r}')
                self.clip_ops.append((inner, transform))
        else:
            raise ValueError(f'PerViewOnDevice: {name} is not supported; '
                             f'supported: {", ".join(_SUPPORTED)}')

    def transform(self, results: Dict) -> Dict:
        """Draw the augmentation of every view; needs ``imgs``,
        ``num_clips``, ``clip_len``."""
        seed_sample(results)
        num_views, _ = view_layout(results, 'PerViewOnDevice')
        imgs = results['imgs']
        shapes = {img.shape for img in imgs}
        if len(shapes) > 1:
            raise ValueError(
                f'PerViewOnDevice: frames of different sizes {sorted(shapes)}'
                f' in {results.get("filename", results.get("frame_dir"))!r};'
                ' resize them to one size first')
        for transform, _ in self.clip_ops:
            if len(transform.p) not in (1, num_views):
                raise ValueError(
                    f'PerViewOnDevice: {transform!r} has {len(transform.p)} '
                    f'probabilities for {num_views} views; give one, or one '
                    'per view')
        height, width = imgs[0].shape[:2]
        views = [
            self._draw_view(view, (height, width)) for view in range(num_views)
        ]
        results[VIEW_AUGMENT_KEY] = [{
            key: (op[key] if key == 'op' else np.stack(
                [view[index][key] for view in views]))
            for key in op
        } for index, op in enumerate(views[0])]
        return results

    def _draw_view(self, view: int, img_shape: Tuple[int, int]) -> List[Dict]:
        """The ops of one view with their drawn values."""
        height, width = img_shape
        if self.crop is not None:
            box = self.crop.get_crop_bbox(img_shape, self.crop.area_range,
                                          self.crop.aspect_ratio_range)
        else:
            box = (0, 0, width, height)
        ops = [
            dict(
                op='resized_crop',
                box=np.array(box, dtype=np.int64),
                flip=np.random.rand() < self.flip_ratio,
                size=np.array(self.size or img_shape, dtype=np.int64))
        ]
        chosen = {}  # RandomApply wrapper -> its one draw for all its ops
        for transform, wrapper in self.clip_ops:
            if wrapper is not None and wrapper not in chosen:
                chosen[wrapper] = wrapper.random_apply()
            p = transform.p[view if len(transform.p) > 1 else 0]
            apply = np.random.uniform() < p and chosen.get(wrapper, True)
            ops.append(dict(op=type(transform).__name__, apply=apply))
            ops[-1].update(self._draw_values(transform))
        return ops

    @staticmethod
    def _draw_values(transform: _ClipTransform) -> Dict[str, np.ndarray]:
        if isinstance(transform, ClipColorJitter):
            ordered = transform.draw()
            values = dict(ordered)
            values['order'] = np.array(
                [COLOR_OP_NAMES.index(name) for name, _ in ordered])
            return values
        if isinstance(transform, ClipGaussianBlur):
            return dict(sigma=transform.draw())
        if isinstance(transform, (ClipRandomGrayscale, ClipRandomSolarize)):
            return {}
        raise ValueError(f'PerViewOnDevice: {transform!r} is not supported')

    def __repr__(self) -> str:
        return f'{type(self).__name__}(transforms={self.transforms})'


def stack_view_augment(records: Sequence[List[Dict]]) -> List[Dict]:
    """The draws of several samples as one: every parameter's views
    concatenated, sample after sample. All samples must share one op
    list."""
    names = [tuple(op['op'] for op in record) for record in records]
    if len(set(names)) > 1:
        raise ValueError('view_augment: samples of one batch drew different '
                         f'ops: {sorted(set(names))}')
    return [{
        key: (ops[0][key] if key == 'op' else np.concatenate(
            [np.asarray(op[key]) for op in ops]))
        for key in ops[0]
    } for ops in zip(*records)]
