"""Colour and blur augmentation of clips: one draw for all frames of a clip.

CVRL's "temporally consistent" augmentation draws random values once per
clip and applies them to every frame of it, each clip of a sample with its
own draws. These ops do that themselves: a sample's ``imgs`` hold
``num_clips`` clips of ``clip_len`` frames, clip-major, and every op draws
once per clip (inside ``PerView`` a sample is one clip). The
probability of an op may be one number or one per clip: the official CVRL
code blurs its first clip always and its second with probability 0.1, and
solarises only the second.

The ops follow the official CVRL code (tensorflow/models,
``official/projects/video_ssl/ops/video_ssl_preprocess_ops.py``, after
SimCLR v2): values in ``[0, 1]`` there, ``[0, 255]`` here, clipped to the
valid range after every colour op; contrast pulls towards the mean of each
channel over the whole clip (the clip is one tall image there); saturation
scales the S channel of HSV; the blur pads with zeros. MMAction2's
``ColorJitter`` instead draws once for all clips of a sample and fixes its
op order at construction. Frames are stored back as ``uint8`` after each
transform (the official code keeps floats): at most half a grey level of
rounding per transform.

Like the plugin's samplers, every op seeds the sample's random draws
first (:func:`~scfa_mm.datasets.randomness.seed_sample`; a no-op when a
sampler or ``PerView`` before it already did), so that its draws change
every epoch and follow from the seed even in a pipeline whose sampler is
MMAction2's.

These transforms augment in the data worker. :class:`PerViewOnDevice`
draws the same values there and leaves the work to the training device
(``ClipAugmentDataPreprocessor``, the torch ops of :mod:`.functional`).
"""
from typing import Dict, List, Sequence, Tuple, Union

import cv2
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...utils.arguments import check_number
from ..randomness import seed_sample
from . import functional
from .functional import blur_kernel_size
from .wrappers import view_layout

Probability = Union[float, Sequence[float]]

LUMA = np.array(functional.LUMA, dtype=np.float32)


def _check_probability(name: str, p: Probability) -> Tuple[float, ...]:
    """``p`` as a tuple: one value, or one per clip."""
    values = tuple(p) if isinstance(p, (list, tuple)) else (p, )
    if not values or not all(
            isinstance(v, (int, float)) and 0 <= v <= 1 for v in values):
        raise ValueError(f'{name}: p must be a probability in [0, 1] or one '
                         f'per clip, got {p!r}')
    return values


def _clips(results: Dict, owner: str) -> List[slice]:
    """The frames of each clip of a sample, in ``imgs`` order."""
    num_clips, clip_len = view_layout(results, owner)
    return [slice(i * clip_len, (i + 1) * clip_len) for i in range(num_clips)]


class _ClipTransform(BaseTransform):
    """Applies ``augment`` to each clip with its probability."""

    def __init__(self, p: Probability) -> None:
        self.p = _check_probability(type(self).__name__, p)

    def augment(self, clip: np.ndarray) -> np.ndarray:
        """``(T, H, W, 3)`` float32 in ``[0, 255]`` -> the same."""
        raise NotImplementedError

    def transform(self, results: Dict) -> Dict:
        seed_sample(results)
        clips = _clips(results, type(self).__name__)
        if len(self.p) not in (1, len(clips)):
            raise ValueError(
                f'{type(self).__name__}: {len(self.p)} probabilities for '
                f'{len(clips)} clips; give one, or one per clip (inside '
                'PerView a sample is one clip)')
        imgs = list(results['imgs'])
        for index, frames in enumerate(clips):
            p = self.p[index if len(self.p) > 1 else 0]
            if np.random.uniform() >= p:
                continue
            clip = self.augment(np.stack(imgs[frames]).astype(np.float32))
            np.clip(np.rint(clip, out=clip), 0, 255, out=clip)
            imgs[frames] = list(clip.astype(np.uint8))
        results['imgs'] = imgs
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(p={self.p})'


def _adjust_hsv(clip: np.ndarray, channel: int, value: float) -> np.ndarray:
    """Scale S (``channel`` 1) by ``value``, clipped to 1, or turn H
    (``channel`` 0) by ``value`` of the circle. The clip goes through
    OpenCV as one tall image (float RGB -> HSV keeps V in the input's
    units): two conversions per clip, not per frame."""
    num_frames, height, width, _ = clip.shape
    hsv = cv2.cvtColor(
        clip.reshape(num_frames * height, width, 3), cv2.COLOR_RGB2HSV)
    plane = hsv[..., channel]
    if channel == 1:
        np.minimum(np.multiply(plane, value, out=plane), 1, out=plane)
    else:
        np.remainder(np.add(plane, 360 * value, out=plane), 360, out=plane)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).reshape(clip.shape)


@TRANSFORMS.register_module()
class ClipColorJitter(_ClipTransform):
    """With probability ``p``, change the brightness, contrast, saturation
    and hue of a clip, in a random order, clipping to ``[0, 255]`` after
    each.

    Factors are drawn once per clip: brightness, contrast and saturation
    uniformly from ``[max(0, 1 - s), 1 + s]`` for strength ``s``, the hue
    shift from ``[-hue, hue]`` (a fraction of the colour circle). With
    factor ``f``::

        brightness  x * f
        contrast    m_c + f * (x - m_c), m_c the mean of channel c over
                    every pixel of every frame of the clip
        saturation  S * f in HSV, S clipped to [0, 1]
        hue         H + 360 * f degrees in HSV

    CVRL (official code, strength 1): brightness, contrast and saturation
    0.8, hue 0.2, ``p=0.8``.

    Args:
        brightness (float): Defaults to 0.8.
        contrast (float): Defaults to 0.8.
        saturation (float): Defaults to 0.8.
        hue (float): In ``[0, 0.5]``. Defaults to 0.2.
        p (float | Sequence[float]): Probability of jittering a clip, or
            one per clip. Defaults to 0.8.
    """

    def __init__(self,
                 brightness: float = 0.8,
                 contrast: float = 0.8,
                 saturation: float = 0.8,
                 hue: float = 0.2,
                 p: Probability = 0.8) -> None:
        super().__init__(p)
        for name, value in (('brightness', brightness), ('contrast', contrast),
                            ('saturation', saturation)):
            check_number('ClipColorJitter', name, value, minimum=0)
        check_number('ClipColorJitter', 'hue', hue, minimum=0, maximum=0.5)
        self.strengths = dict(
            brightness=brightness, contrast=contrast, saturation=saturation)
        self.hue = hue

    def draw(self) -> List[Tuple[str, float]]:
        """The ops of one clip, in their random order, with their
        values."""
        ops = [(name, np.random.uniform(max(0, 1 - s), 1 + s))
               for name, s in self.strengths.items()]
        ops.append(('hue', np.random.uniform(-self.hue, self.hue)))
        return [ops[i] for i in np.random.permutation(len(ops))]

    @staticmethod
    def apply(clip: np.ndarray, op: str, value: float) -> np.ndarray:
        """One op on a ``(T, H, W, 3)`` float32 RGB clip in ``[0, 255]``,
        clipped to ``[0, 255]``."""
        value = np.float32(value)
        if op == 'brightness':
            out = clip * value
        elif op == 'contrast':
            # OpenCV's mean of the clip as one tall image: per channel
            mean = cv2.mean(clip.reshape(-1, clip.shape[2], 3))[:3]
            out = clip * value
            out += np.float32(1 - value) * np.array(mean, np.float32)
        elif op in ('saturation', 'hue'):
            out = _adjust_hsv(clip, 1 if op == 'saturation' else 0, value)
        else:
            raise ValueError(f'ClipColorJitter: unknown op {op!r}')
        return np.clip(out, 0, 255, out=out)

    def augment(self, clip: np.ndarray) -> np.ndarray:
        for op, value in self.draw():
            clip = self.apply(clip, op, value)
        return clip

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(**{self.strengths}, hue={self.hue}, '
                f'p={self.p})')


@TRANSFORMS.register_module()
class ClipRandomGrayscale(_ClipTransform):
    """With probability ``p``, turn every frame of a clip grey (luma in all
    three channels). CVRL: ``p=0.2``, drawn whether or not the clip was
    colour-jittered.

    Args:
        p (float | Sequence[float]): Defaults to 0.2.
    """

    def __init__(self, p: Probability = 0.2) -> None:
        super().__init__(p)

    def augment(self, clip: np.ndarray) -> np.ndarray:
        return np.repeat(clip @ LUMA[:, None], 3, axis=-1)


@TRANSFORMS.register_module()
class ClipGaussianBlur(_ClipTransform):
    """With probability ``p``, blur every frame of a clip with one Gaussian
    kernel: sigma drawn uniformly from ``sigma_range``, size
    :func:`blur_kernel_size` of the frame height, separable, the frame
    padded with zeros (as the official code's ``SAME`` convolution: the
    border darkens).

    CVRL (official code): ``p=(1.0, 0.1)`` for a pair of clips, the first
    always blurred, the second rarely; SimCLR: 0.5.

    Args:
        p (float | Sequence[float]): Defaults to 0.5.
        sigma_range (Sequence[float]): Defaults to (0.1, 2.0).
    """

    def __init__(self,
                 p: Probability = 0.5,
                 sigma_range: Sequence[float] = (0.1, 2.0)) -> None:
        super().__init__(p)
        low, high = sigma_range
        if not 0 < low <= high:
            raise ValueError('ClipGaussianBlur: sigma_range must be '
                             f'0 < low <= high, got {sigma_range!r}')
        self.sigma_range = (low, high)

    def draw(self) -> float:
        """The sigma of one clip."""
        return np.random.uniform(*self.sigma_range)

    def augment(self, clip: np.ndarray) -> np.ndarray:
        sigma = self.draw()
        size = blur_kernel_size(clip.shape[1])
        kernel = cv2.getGaussianKernel(size, sigma, cv2.CV_32F)
        return np.stack([
            cv2.sepFilter2D(
                frame, -1, kernel, kernel, borderType=cv2.BORDER_CONSTANT)
            for frame in clip
        ])


@TRANSFORMS.register_module()
class ClipRandomSolarize(_ClipTransform):
    """With probability ``p``, solarise a clip: values at or above 128 (0.5
    of the range) become ``255 - x``, darker ones stay.

    CVRL (official code): ``p=(0.0, 0.2)`` for a pair of clips, only the
    second solarised, after its blur.

    Args:
        p (float | Sequence[float]): Defaults to 0.2.
    """

    def __init__(self, p: Probability = 0.2) -> None:
        super().__init__(p)

    def augment(self, clip: np.ndarray) -> np.ndarray:
        return np.where(clip >= 127.5, 255 - clip, clip)
