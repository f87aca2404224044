"""Colour augmentation of a clip: one draw for all of its frames.

CVRL's "temporally consistent" augmentation draws random values once per
clip and applies them to every frame of it; wrap these ops in ``PerView``
so that each clip of a sample gets its own draws. MMAction2's
``ColorJitter`` also draws once per call, but applies brightness, contrast,
saturation and hue in an order fixed at construction; SimCLR and CVRL draw
the order too.
"""
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def _check_probability(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f'{name} must be in [0, 1], got {value!r}')


def _grey(frame: np.ndarray) -> np.ndarray:
    """``(H, W, 1)`` luma (ITU-R 601) of an RGB float frame."""
    return frame @ np.array([0.299, 0.587, 0.114], dtype=np.float32)[:, None]


def _frames(results: Dict) -> List[np.ndarray]:
    return [img.astype(np.float32) for img in results['imgs']]


def _store(results: Dict, frames: List[np.ndarray]) -> None:
    results['imgs'] = [
        np.clip(np.rint(frame), 0, 255).astype(np.uint8) for frame in frames
    ]


@TRANSFORMS.register_module()
class ClipColorJitter(BaseTransform):
    """With probability ``p``, change the brightness, contrast, saturation
    and hue of every frame of the clip alike, in a random order.

    Factors are drawn once per call: brightness and contrast and saturation
    factors uniformly from ``[max(0, 1 - s), 1 + s]`` for strength ``s``,
    the hue shift from ``[-hue, hue]`` (a fraction of the colour circle).
    CVRL (strength 1): brightness 0.8, contrast 0.8, saturation 0.8,
    hue 0.2, ``p=0.8``.

    Args:
        brightness (float): Defaults to 0.8.
        contrast (float): Defaults to 0.8.
        saturation (float): Defaults to 0.8.
        hue (float): In ``[0, 0.5]``. Defaults to 0.2.
        p (float): Probability of jittering the clip. Defaults to 0.8.
    """

    def __init__(self,
                 brightness: float = 0.8,
                 contrast: float = 0.8,
                 saturation: float = 0.8,
                 hue: float = 0.2,
                 p: float = 0.8) -> None:
        for name, value in (('brightness', brightness), ('contrast', contrast),
                            ('saturation', saturation)):
            if value < 0:
                raise ValueError(
                    f'ClipColorJitter: {name} must be >= 0, got {value!r}')
        if not 0 <= hue <= 0.5:
            raise ValueError(
                f'ClipColorJitter: hue must be in [0, 0.5], got {hue!r}')
        _check_probability('ClipColorJitter: p', p)
        self.strengths = dict(
            brightness=brightness, contrast=contrast, saturation=saturation)
        self.hue = hue
        self.p = p

    def draw(self) -> List[Tuple[str, float]]:
        """The ops of one clip, in their random order, with their
        values."""
        ops = [(name, np.random.uniform(max(0, 1 - s), 1 + s))
               for name, s in self.strengths.items()]
        ops.append(('hue', np.random.uniform(-self.hue, self.hue)))
        return [ops[i] for i in np.random.permutation(len(ops))]

    @staticmethod
    def apply(frame: np.ndarray, op: str, value: float) -> np.ndarray:
        """One op on an RGB float32 frame in ``[0, 255]``."""
        if op == 'brightness':
            return frame * value
        if op == 'contrast':
            mean = _grey(np.clip(frame, 0, 255)).mean()
            return mean + value * (frame - mean)
        if op == 'saturation':
            grey = _grey(frame)
            return grey + value * (frame - grey)
        hsv = cv2.cvtColor(np.clip(frame, 0, 255) / 255, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = (hsv[..., 0] + 360 * value) % 360
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255

    def transform(self, results: Dict) -> Dict:
        if np.random.uniform() >= self.p:
            return results
        ops = self.draw()
        frames = _frames(results)
        for op, value in ops:
            frames = [self.apply(frame, op, value) for frame in frames]
        _store(results, frames)
        return results


@TRANSFORMS.register_module()
class ClipRandomGrayscale(BaseTransform):
    """With probability ``p``, turn every frame of the clip grey (luma in
    all three channels). CVRL: ``p=0.2``.

    Args:
        p (float): Defaults to 0.2.
    """

    def __init__(self, p: float = 0.2) -> None:
        _check_probability('ClipRandomGrayscale: p', p)
        self.p = p

    def transform(self, results: Dict) -> Dict:
        if np.random.uniform() < self.p:
            _store(results,
                   [np.repeat(_grey(f), 3, axis=2) for f in _frames(results)])
        return results


@TRANSFORMS.register_module()
class ClipGaussianBlur(BaseTransform):
    """With probability ``p``, blur every frame of the clip with one
    Gaussian kernel: sigma drawn from ``sigma_range``, size a tenth of the
    frame height (odd), as in SimCLR and the official CVRL code.

    Args:
        p (float): Defaults to 0.5.
        sigma_range (Sequence[float]): Defaults to (0.1, 2.0).
        kernel_ratio (float): Kernel size over frame height.
            Defaults to 0.1.
    """

    def __init__(self,
                 p: float = 0.5,
                 sigma_range: Sequence[float] = (0.1, 2.0),
                 kernel_ratio: float = 0.1) -> None:
        _check_probability('ClipGaussianBlur: p', p)
        low, high = sigma_range
        if not 0 < low <= high:
            raise ValueError('ClipGaussianBlur: sigma_range must be '
                             f'0 < low <= high, got {sigma_range!r}')
        self.p = p
        self.sigma_range = (low, high)
        self.kernel_ratio = kernel_ratio

    def transform(self, results: Dict) -> Dict:
        if np.random.uniform() >= self.p:
            return results
        sigma = np.random.uniform(*self.sigma_range)
        height = results['imgs'][0].shape[0]
        size = max(3, int(self.kernel_ratio * height) // 2 * 2 + 1)
        results['imgs'] = [
            cv2.GaussianBlur(img, (size, size), sigma)
            for img in results['imgs']
        ]
        return results
