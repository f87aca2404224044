import numpy as np
import pytest
from mmengine.dataset import Compose

from scfa_mm.datasets import GridAggregate


def expected_grid_loop(frames, rows, cols, cell_h, cell_w, fill):
    """Pixel by pixel: grid pixel (y, x) shows frame (y//ch)*cols + x//cw
    at pixel (y % ch, x % cw); ``fill(cell)`` gives padding cells."""
    out = np.zeros((rows * cell_h, cols * cell_w, 3), np.uint8)
    for y in range(rows * cell_h):
        for x in range(cols * cell_w):
            cell = (y // cell_h) * cols + x // cell_w
            frame = frames[cell] if cell < len(frames) else fill(cell)
            out[y, x] = frame[y % cell_h, x % cell_w]
    return out


def random_frames(num, h, w, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(num)
    ]


@pytest.mark.parametrize('rows, cols, cell_h, cell_w', [(4, 4, 8, 8),
                                                        (2, 3, 5, 7),
                                                        (1, 4, 6, 3)])
def test_frame_to_cell_mapping_pixel_by_pixel(rows, cols, cell_h, cell_w):
    # frames already at cell size: the resize is the identity, so every
    # pixel of the grid is a known pixel of a known frame
    num_views, clip_len = 2, rows * cols
    frames = random_frames(num_views * clip_len, cell_h, cell_w)
    results = GridAggregate((rows, cols), (cell_h, cell_w))(
        dict(imgs=list(frames), num_clips=num_views, clip_len=clip_len))
    assert results['clip_len'] == 1 and results['num_clips'] == num_views
    assert results['img_shape'] == (rows * cell_h, cols * cell_w)
    assert len(results['imgs']) == num_views
    for view in range(num_views):
        view_frames = frames[view * clip_len:(view + 1) * clip_len]
        expected = expected_grid_loop(
            view_frames, rows, cols, cell_h, cell_w, fill=None)
        assert np.array_equal(results['imgs'][view], expected)


def test_frames_are_resized_into_cells():
    # constant frames stay constant whatever the interpolation, so the cell
    # at row t // 4, column t % 4 must hold frame t's colour
    colours = np.arange(16)[:, None] * np.array([[15, 3, 7]])
    frames = [np.full((120, 160, 3), c, np.uint8) for c in colours]
    grid = GridAggregate()(dict(imgs=frames, num_clips=1,
                                clip_len=16))['imgs'][0]
    assert grid.shape == (224, 224, 3) and grid.dtype == np.uint8
    for t in range(16):
        r, c = divmod(t, 4)
        cell = grid[r * 56:(r + 1) * 56, c * 56:(c + 1) * 56]
        assert np.all(cell == colours[t]), t


@pytest.mark.parametrize('pad_mode, source', [
    ('constant', lambda cell, n: None),
    ('edge', lambda cell, n: n - 1),
    ('wrap', lambda cell, n: cell % n),
])
def test_padding_policies(pad_mode, source):
    clip_len = 5
    frames = random_frames(clip_len, 4, 4, seed=1)
    blank = np.full((4, 4, 3), 9, np.uint8)
    grid = GridAggregate(
        (3, 3), (4, 4), pad_mode=pad_mode,
        pad_value=9)(dict(imgs=frames, num_clips=1,
                          clip_len=clip_len))['imgs'][0]

    def fill(cell):
        index = source(cell, clip_len)
        return blank if index is None else frames[index]

    assert np.array_equal(grid,
                          expected_grid_loop(frames, 3, 3, 4, 4, fill=fill))


def test_too_many_frames_for_the_grid():
    frames = random_frames(17, 8, 8)
    with pytest.raises(ValueError, match='clip_len=17.*4x4'):
        GridAggregate()(dict(imgs=frames, num_clips=1, clip_len=17))


def test_frame_count_must_match_views():
    with pytest.raises(ValueError, match='2 \\* 16'):
        GridAggregate()(
            dict(imgs=random_frames(31, 8, 8), num_clips=2, clip_len=16))


@pytest.mark.parametrize('kwargs, message', [
    (dict(grid_shape=(0, 4)), 'grid_shape'),
    (dict(grid_shape=(4, )), 'grid_shape'),
    (dict(grid_shape=(4, 2.5)), 'grid_shape'),
    (dict(cell_size=(56, -1)), 'cell_size'),
    (dict(cell_size=56), 'cell_size'),
    (dict(pad_mode='reflect'), "'reflect'"),
    (dict(interpolation='cubic'), "'cubic'"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GridAggregate(**kwargs)


@pytest.mark.parametrize('spatial_first', [True, False])
def test_works_with_stock_transforms(spatial_first):
    spatial = [
        dict(type='Resize', scale=(64, 64), keep_ratio=False),
        dict(type='CenterCrop', crop_size=56),
        dict(type='Flip', flip_ratio=1.0),
    ]
    # frames to 28x28 cells, or a 64x64 grid of 32x32 cells whose centre crop
    # leaves 28 pixels of each cell
    cell = 28 if spatial_first else 32
    grid = [
        dict(type='GridAggregate', grid_shape=(2, 2), cell_size=(cell, cell))
    ]
    steps = spatial + grid if spatial_first else grid + spatial
    pipeline = Compose(steps + [
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs')
    ])
    colours = np.arange(8) * 30
    frames = [np.full((48, 64, 3), c, np.uint8) for c in colours]
    packed = pipeline(
        dict(
            imgs=frames,
            num_clips=2,
            clip_len=4,
            label=1,
            img_shape=(48, 64),
            modality='RGB'))
    # (num_views, C, H, W): 56 after the crop, or 2 cells of 28
    inputs = packed['inputs'].numpy()
    assert inputs.shape == (2, 3, 56, 56)
    assert packed['data_samples'].gt_label.item() == 1
    for view in range(2):
        for t in range(4):
            r, c = divmod(t, 2)
            if not spatial_first:  # the flip mirrored the grid's columns
                c = 1 - c
            cell = inputs[view, :, r * 28:(r + 1) * 28, c * 28:(c + 1) * 28]
            assert np.all(cell == colours[view * 4 + t])
