"""Tile the frames of each view into one image (SCFA's frame aggregation)."""
from typing import Dict, List, Sequence, Tuple

import mmcv
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...utils.arguments import check_choice

_INTERPOLATIONS = ('nearest', 'bilinear', 'bicubic', 'area', 'lanczos')


def _check_pair(name: str, value: Sequence[int]) -> Tuple[int, int]:
    if (not isinstance(value, (tuple, list)) or len(value) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1
            for v in value)):
        raise ValueError(f'GridAggregate: {name} must be two integers >= 1, '
                         f'got {value!r}')
    return int(value[0]), int(value[1])


@TRANSFORMS.register_module()
class GridAggregate(BaseTransform):
    """Replace the ``clip_len`` frames of each view by one grid image.

    Frame ``t`` of a view is resized to ``cell_size`` and placed at row
    ``t // cols``, column ``t % cols`` (row-major, temporal order), giving an
    image of ``(rows * cell_h, cols * cell_w, C)``. Afterwards ``imgs`` holds
    one image per view, ``clip_len`` is 1 and ``img_shape`` is the grid's, so
    ``FormatShape(input_format='NCHW')`` and ``PackActionInputs`` work as for
    any 2D recognizer: a sample becomes ``(num_clips, C, H, W)``.

    It can stand before or after the stock spatial transforms. Before it,
    crops and flips act on every frame alike. After it, they act on the grid:
    a horizontal flip then also mirrors the cell order (reverses time within
    each row), so keep flips before it.

    Views shorter than the grid (``clip_len < rows * cols``) fill the
    remaining cells by ``pad_mode``:

    - ``'constant'``: cells of ``pad_value``;
    - ``'edge'``: the view's last frame repeated;
    - ``'wrap'``: the view's frames again from the first.

    Required Keys:

    - imgs: list of ``num_clips * clip_len`` arrays ``(H, W, C)``
    - num_clips
    - clip_len

    Modified Keys:

    - imgs: list of ``num_clips`` arrays ``(rows*cell_h, cols*cell_w, C)``
    - clip_len: 1
    - img_shape

    Args:
        grid_shape (tuple[int, int]): ``(rows, cols)``. Defaults to (4, 4).
        cell_size (tuple[int, int]): ``(cell_h, cell_w)`` of each frame in
            the grid. Defaults to (56, 56).
        pad_mode (str): ``'constant'``, ``'edge'`` or ``'wrap'``.
            Defaults to ``'constant'``.
        pad_value (int): Pixel value of ``'constant'`` cells.
            Defaults to 0.
        interpolation (str): Resize interpolation, one of ``'nearest'``,
            ``'bilinear'``, ``'bicubic'``, ``'area'``, ``'lanczos'``.
            Defaults to ``'bilinear'``.
    """

    pad_modes = ('constant', 'edge', 'wrap')

    def __init__(self,
                 grid_shape: Tuple[int, int] = (4, 4),
                 cell_size: Tuple[int, int] = (56, 56),
                 pad_mode: str = 'constant',
                 pad_value: int = 0,
                 interpolation: str = 'bilinear') -> None:
        self.grid_shape = _check_pair('grid_shape', grid_shape)
        self.cell_size = _check_pair('cell_size', cell_size)
        check_choice('GridAggregate', 'pad_mode', pad_mode, self.pad_modes)
        check_choice('GridAggregate', 'interpolation', interpolation,
                     _INTERPOLATIONS)
        self.pad_mode = pad_mode
        self.pad_value = pad_value
        self.interpolation = interpolation

    @property
    def num_cells(self) -> int:
        return self.grid_shape[0] * self.grid_shape[1]

    def _cell_sources(self, clip_len: int) -> List[int]:
        """Frame index of the view shown in each cell (-1: padding)."""
        sources = list(range(clip_len))
        for cell in range(clip_len, self.num_cells):
            if self.pad_mode == 'edge':
                sources.append(clip_len - 1)
            elif self.pad_mode == 'wrap':
                sources.append(cell % clip_len)
            else:
                sources.append(-1)
        return sources

    def _tile(self, frames: Sequence[np.ndarray],
              sources: List[int]) -> np.ndarray:
        """Tile one view's frames into a ``(rows*ch, cols*cw, C)`` image."""
        (rows, cols), (cell_h, cell_w) = self.grid_shape, self.cell_size
        cells = [
            mmcv.imresize(
                frame, (cell_w, cell_h), interpolation=self.interpolation)
            for frame in frames
        ]
        blank = np.full_like(cells[0], self.pad_value)
        cells = np.stack([cells[s] if s >= 0 else blank for s in sources])
        # (rows*cols, ch, cw, ...) -> (rows, ch, cols, cw, ...) -> image
        grid = cells.reshape(rows, cols, cell_h, cell_w, *cells.shape[3:])
        grid = grid.swapaxes(1, 2)
        return grid.reshape(rows * cell_h, cols * cell_w, *cells.shape[3:])

    def transform(self, results: Dict) -> Dict:
        """Aggregate the frames of every view.

        Args:
            results (dict): The result dict; see Required Keys.

        Returns:
            dict: The result dict with one grid image per view.
        """
        imgs = results['imgs']
        num_clips, clip_len = results['num_clips'], results['clip_len']
        if clip_len > self.num_cells:
            raise ValueError(
                f'GridAggregate: clip_len={clip_len} frames do not fit a '
                f'{self.grid_shape[0]}x{self.grid_shape[1]} grid of '
                f'{self.num_cells} cells; sample at most {self.num_cells} '
                f'frames per view or enlarge grid_shape')
        if len(imgs) != num_clips * clip_len:
            raise ValueError(
                f'GridAggregate: expected num_clips * clip_len = '
                f'{num_clips} * {clip_len} frames, got {len(imgs)}')
        sources = self._cell_sources(clip_len)
        results['imgs'] = [
            self._tile(imgs[view * clip_len:(view + 1) * clip_len], sources)
            for view in range(num_clips)
        ]
        results['clip_len'] = 1
        results['img_shape'] = results['imgs'][0].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(grid_shape={self.grid_shape}, '
                f'cell_size={self.cell_size}, pad_mode={self.pad_mode!r}, '
                f'pad_value={self.pad_value}, '
                f'interpolation={self.interpolation!r})')
