"""A wrapper that augments every view of a sample on its own."""
from typing import Dict, List, Tuple

from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform, Compose

from ..randomness import seed_sample

# Keys a view's sub-pipeline reads or rewrites that stay per sample.
_MERGED_KEYS = ('imgs', 'img_shape', 'num_clips')


def view_layout(results: Dict, owner: str) -> Tuple[int, int]:
    """``(num_views, clip_len)`` of a sample whose ``imgs`` hold
    ``num_clips`` views of ``clip_len`` frames, view-major (one view of
    every frame without those keys); a frame count that does not fit is an
    error naming ``owner`` and the video."""
    num_frames = len(results['imgs'])
    num_views = int(results.get('num_clips', 1))
    clip_len = int(results.get('clip_len', num_frames))
    if num_views * clip_len != num_frames:
        raise ValueError(
            f'{owner}: {num_frames} frames for num_clips={num_views} x '
            f'clip_len={clip_len} in '
            f'{results.get("filename", results.get("frame_dir"))!r}')
    return num_views, clip_len


@TRANSFORMS.register_module()
class PerView(BaseTransform):
    """Run a sub-pipeline on each view (clip) of a sample separately.

    A sample's ``imgs`` hold ``num_clips`` views of ``clip_len`` frames,
    view-major. Stock transforms (``RandomResizedCrop``, ``Flip``,
    ``ColorJitter`` ...) draw their random values once per call and apply
    them to every frame they see: on the whole sample, every view gets the
    same crop and colours. Wrapped in ``PerView``, each view goes through
    the sub-pipeline in its own call, with its own draws: augmentation
    consistent across the frames of a view and independent between views
    (CVRL's temporally consistent spatial augmentation).

    The sample's random draws are seeded first
    (:func:`~scfa_mm.datasets.randomness.seed_sample`, a no-op after a
    plugin sampler), once for all views: each view's call sees a copy of
    the results, and a ``Clip*`` op seeding inside it would seed every view
    alike.

    Every view must come out with the same ``img_shape``. Other keys that
    the sub-pipeline sets (``crop_bbox``, ``flip`` ...) are stored as lists
    with one value per view.

    Args:
        transforms (list[dict]): The sub-pipeline.

    Example:
        >>> dict(type='PerView', transforms=[
        ...     dict(type='RandomResizedCrop'),
        ...     dict(type='Resize', scale=(224, 224), keep_ratio=False),
        ...     dict(type='Flip', flip_ratio=0.5)])
    """

    def __init__(self, transforms: List[dict]) -> None:
        if not transforms:
            raise ValueError('PerView: transforms must not be empty')
        self.pipeline = Compose(transforms)

    def transform(self, results: Dict) -> Dict:
        """Augment every view; needs ``imgs``, ``num_clips``, ``clip_len``."""
        seed_sample(results)
        num_views, clip_len = view_layout(results, 'PerView')
        imgs = results['imgs']
        views = []
        for view in range(num_views):
            inputs = dict(results)
            inputs['imgs'] = list(imgs[view * clip_len:(view + 1) * clip_len])
            inputs['num_clips'] = 1
            views.append(self.pipeline(inputs))
        shapes = {tuple(view['img_shape']) for view in views}
        if len(shapes) > 1:
            raise ValueError(f'PerView: the views came out with different '
                             f'img_shape {sorted(shapes)}; end the '
                             'sub-pipeline with a fixed-size Resize')
        set_keys = {
            key
            for view in views
            for key in view
            if key not in _MERGED_KEYS and view[key] is not results.get(key)
        }
        for key in set_keys:
            results[key] = [view.get(key) for view in views]
        results['imgs'] = [img for view in views for img in view['imgs']]
        results['img_shape'] = views[0]['img_shape']
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(transforms={self.pipeline})'
