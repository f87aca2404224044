"""Per-view clip augmentation on the training device."""
from typing import Dict, List, Tuple

import numpy as np
import torch
from mmaction.models import ActionDataPreprocessor
from mmaction.registry import MODELS

from ...datasets.transforms import functional
from ...datasets.transforms.device_augment import (COLOR_OP_NAMES,
                                                   VIEW_AUGMENT_KEY,
                                                   stack_view_augment)


@MODELS.register_module()
class ClipAugmentDataPreprocessor(ActionDataPreprocessor):
    """:class:`ActionDataPreprocessor` that first does the per-view
    augmentation which :class:`~scfa_mm.datasets.PerViewOnDevice` drew in
    the data workers.

    Every view of the batch at once: the crop, resize and flip by one
    bilinear sampling, then the colour, grayscale, blur and solarisation
    ops of :mod:`scfa_mm.datasets.transforms.functional` on the views that
    drew them, in float32 outside autocast, then ``mean``/``std``
    normalisation as the parent does. A sample without draws (a test
    pipeline) is only normalised; a training batch without them is refused
    (its pipeline lacks ``PerViewOnDevice`` or does not pack
    ``'view_augment'``), as is a batch that mixes the two.

    Args:
        format_shape (str): ``'NCTHW'``, the only layout of the
            augmentation; inputs ``(V, 3, T, H, W)`` per sample, ``uint8``.
        **kwargs: As :class:`ActionDataPreprocessor`.
    """

    def __init__(self, format_shape: str = 'NCTHW', **kwargs) -> None:
        if format_shape != 'NCTHW':
            raise ValueError('ClipAugmentDataPreprocessor: format_shape must '
                             f"be 'NCTHW', got {format_shape!r}")
        if kwargs.get('to_rgb'):
            raise ValueError('ClipAugmentDataPreprocessor: the colour ops '
                             'take RGB frames; to_rgb must be False')
        super().__init__(format_shape=format_shape, **kwargs)

    def preprocess(self,
                   inputs: List[torch.Tensor],
                   data_samples: List,
                   training: bool = False) -> Tuple:
        """Augment the samples that carry draws, then normalise."""
        records = [sample.get(VIEW_AUGMENT_KEY) for sample in data_samples]
        drawn = sum(record is not None for record in records)
        if drawn == 0 and training:
            raise ValueError(
                'ClipAugmentDataPreprocessor: a training batch without '
                f"'{VIEW_AUGMENT_KEY}': the train pipeline needs "
                "PerViewOnDevice and PackActionInputs(algorithm_keys=(..., "
                f"'{VIEW_AUGMENT_KEY}'))")
        if 0 < drawn < len(records):
            raise ValueError(
                f'ClipAugmentDataPreprocessor: {drawn} of {len(records)} '
                f"samples carry '{VIEW_AUGMENT_KEY}'")
        if drawn:
            with torch.autocast(inputs[0].device.type, enabled=False):
                inputs = self.augment(inputs, records)
        return super().preprocess(inputs, data_samples, training)

    @torch.no_grad()
    def augment(self, inputs: List[torch.Tensor],
                records: List[List[Dict]]) -> List[torch.Tensor]:
        """Augment every view.

        Args:
            inputs (list[Tensor]): Per sample ``(V, 3, T, H, W)``; ``H, W``
                may differ between samples.
            records (list[list[dict]]): Per sample, the draws of
                ``PerViewOnDevice``, parameters ``(V, ...)``.

        Returns:
            list[Tensor]: Per sample ``(V, 3, T, h, w)``, float32 in
            ``[0, 255]``, ``(h, w)`` the draws' output size.
        """
        for index, (clips, record) in enumerate(zip(inputs, records)):
            views = len(record[0]['box'])
            if clips.dim() != 5 or tuple(clips.shape[:2]) != (views, 3):
                raise ValueError(
                    f'ClipAugmentDataPreprocessor: sample {index} has inputs '
                    f'{tuple(clips.shape)}, its draws {views} views; expected'
                    f' ({views}, 3, T, H, W) (FormatShape NCTHW)')
        ops = stack_view_augment(records)
        crop, clip_ops = ops[0], ops[1:]
        sizes = {tuple(size) for size in crop['size'].tolist()}
        if len(sizes) > 1:
            raise ValueError(
                'ClipAugmentDataPreprocessor: views of one '
                f'batch resize to different sizes {sorted(sizes)}')
        size = sizes.pop()
        device = inputs[0].device
        boxes = torch.from_numpy(crop['box']).to(device)
        flips = torch.from_numpy(crop['flip']).to(device)
        if len({tuple(sample.shape) for sample in inputs}) == 1:
            clips = functional.resized_crop(
                torch.cat(inputs).float(), boxes, size, flips)
        else:  # frame sizes differ between videos: one sampling each
            starts = np.cumsum([0] + [sample.shape[0] for sample in inputs])
            clips = torch.cat([
                functional.resized_crop(sample.float(), boxes[start:end], size,
                                        flips[start:end])
                for sample, start, end in zip(inputs, starts, starts[1:])
            ])
        for op in clip_ops:
            clips = self.apply_op(clips, op)
        return list(clips.split([c.shape[0] for c in inputs]))

    @staticmethod
    def apply_op(clips: torch.Tensor, op: Dict) -> torch.Tensor:
        """One op of ``PerViewOnDevice``'s on the views that drew it;
        ``clips`` ``(B, 3, T, H, W)``, the op's parameters ``(B, ...)``."""
        applied = np.flatnonzero(op['apply'])
        if applied.size == 0:
            return clips
        device = clips.device

        def on_device(indices: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(indices).to(device)

        def values(key: str, among: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(
                np.asarray(op[key])[applied][among],
                dtype=torch.float32,
                device=device)

        rows = on_device(applied)
        selected = clips[rows]
        if op['op'] == 'ClipColorJitter':
            # every view its own order: step by step, each op on the
            # views that drew it at that step
            order = np.asarray(op['order'])[applied]
            for step in range(order.shape[1]):
                for code, name in enumerate(COLOR_OP_NAMES):
                    mine = np.flatnonzero(order[:, step] == code)
                    if mine.size:
                        index = on_device(mine)
                        selected[index] = functional.COLOR_OPS[name](
                            selected[index], values(name, mine))
        elif op['op'] == 'ClipRandomGrayscale':
            selected = functional.to_grayscale(selected)
        elif op['op'] == 'ClipGaussianBlur':
            selected = functional.gaussian_blur(selected,
                                                values('sigma', slice(None)))
        elif op['op'] == 'ClipRandomSolarize':
            selected = functional.solarize(selected)
        else:
            raise ValueError(
                f'ClipAugmentDataPreprocessor: unknown op {op["op"]!r}')
        clips[rows] = selected
        return clips
