"""Hand a video's grid and captions to an image captioner (MMPretrain's
BLIP, say) in the keys it reads: one image, one caption."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...utils.arguments import check_choice
from ..randomness import seed_sample


def _video_of(results: Dict) -> str:
    return repr(results.get('filename', results.get('video_id')))


@TRANSFORMS.register_module()
class GridAsImage(BaseTransform):
    """Turn the single grid of a sample into the one image an image model
    takes.

    After :class:`GridAggregate` a sample holds a list of grids, one per
    view; an image model (MMPretrain's ``PackInputs`` and data
    preprocessors) takes one ``(H, W, C)`` array under ``img``. The sample
    must therefore have exactly one view (``TemporalMultiView(num_views=1)``
    or ``SampleFrames(num_clips=1)``).

    Required Keys:

    - imgs: list of one array ``(H, W, C)``

    Added Keys:

    - img: the array ``(H, W, C)``
    - img_shape: ``(H, W)``

    Deleted Keys:

    - imgs
    """

    def transform(self, results: Dict) -> Dict:
        """Move the one grid from ``imgs`` to ``img``.

        Args:
            results (dict): The result dict; see Required Keys.

        Returns:
            dict: The result dict with ``img``.
        """
        imgs = results.get('imgs')
        if not isinstance(imgs, (list, tuple)) or len(imgs) != 1:
            found = (f'{len(imgs)} images' if isinstance(imgs, (list, tuple))
                     else f'imgs={type(imgs).__name__}')
            raise ValueError(
                f'GridAsImage: an image model takes one grid per video, got '
                f'{found} for video {_video_of(results)}; sample one view '
                '(TemporalMultiView(num_views=1)) and tile it with '
                'GridAggregate before GridAsImage')
        img = results.pop('imgs')[0]
        if not isinstance(img, np.ndarray) or img.ndim != 3:
            raise ValueError(
                f'GridAsImage: expected the grid as an (H, W, C) array, got '
                f'{getattr(img, "shape", type(img).__name__)} for video '
                f'{_video_of(results)}')
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class SampleCaption(BaseTransform):
    """Pick the caption a single-caption model trains on from a video's
    reference captions.

    :class:`~scfa_mm.datasets.VideoCaptionDataset` yields each video once
    with all its captions; a captioner that reads one caption per sample
    (MMPretrain's ``BlipCaption`` reads ``gt_caption``) then sees a new
    one every epoch with ``mode='random'``. The draw follows
    :func:`~scfa_mm.datasets.randomness.seed_sample`, so it is a function
    of (seed, epoch, sample) and replays on resume.

    Required Keys:

    - gt_captions: non-empty list of str

    Added Keys:

    - gt_caption: str, one of ``gt_captions``

    Args:
        mode (str): ``'random'`` (uniform over the video's captions) or
            ``'first'`` (the first, for a deterministic pipeline).
            Defaults to ``'random'``.
    """

    modes = ('random', 'first')

    def __init__(self, mode: str = 'random') -> None:
        check_choice('SampleCaption', 'mode', mode, self.modes)
        self.mode = mode

    def transform(self, results: Dict) -> Dict:
        """Set ``gt_caption`` to one of ``gt_captions``.

        Args:
            results (dict): The result dict; see Required Keys.

        Returns:
            dict: The result dict with ``gt_caption``.
        """
        captions = results.get('gt_captions')
        if not isinstance(captions, (list, tuple)) or not captions:
            raise ValueError(
                f'SampleCaption: video {_video_of(results)} needs a non-empty '
                f'list gt_captions (VideoCaptionDataset writes it), got '
                f'{captions!r}')
        if self.mode == 'random':
            seed_sample(results)
            index = np.random.randint(len(captions))
        else:
            index = 0
        results['gt_caption'] = captions[index]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(mode={self.mode!r})'
