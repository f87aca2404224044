"""Embedding plots at many classes, annotated grids and example grids
(scfa_mm/utils/plots.py)."""
import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg

from scfa_mm.utils.plots import (annotate_grid, plot_example_grids,
                                 plot_points_2d)


def test_51_classes_have_distinct_styles_and_a_full_legend():
    rng = np.random.default_rng(0)
    names = [f'action_{i:02d}_name' for i in range(51)]
    labels = np.repeat(np.arange(51), 4)
    fig = plot_points_2d(rng.normal(size=(len(labels), 2)), labels, names)
    ax = fig.axes[0]
    assert len(ax.collections) == 51
    styles = set()
    for collection in ax.collections:
        edge = collection.get_edgecolor()[0]
        np.testing.assert_allclose(collection.get_facecolor()[0], edge)
        colour = tuple(np.round(edge, 4))
        shape = collection.get_paths()[0].vertices.round(4).tobytes()
        styles.add((colour, shape))
    assert len(styles) == 51
    legend = ax.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == names
    # beside the axes, not over the points
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).x0 >= \
        ax.get_window_extent(renderer).x1


def test_time_reversed_pairs_share_a_colour_the_second_hollow():
    names = [f'c{i}' for i in range(44)]  # 22 pairs: past tab20
    labels = np.arange(44)
    fig = plot_points_2d(
        np.zeros((44, 2)), labels, names, pairs_share_colour=True)
    collections = fig.axes[0].collections
    pairs = set()
    for first, second in zip(collections[0::2], collections[1::2]):
        assert np.allclose(first.get_edgecolor(), second.get_edgecolor())
        assert first.get_facecolor()[0][3] == 1
        assert len(second.get_facecolor()) == 0 or \
            second.get_facecolor()[0][3] == 0
        pairs.add((tuple(np.round(first.get_edgecolor()[0], 4)),
                   first.get_paths()[0].vertices.round(4).tobytes()))
    assert len(pairs) == 22


def box_masks(annotated, original, grid_shape):
    """Per cell, the bounding box of the pixels the annotation changed."""
    rows, cols = grid_shape
    cell_h, cell_w = (original.shape[0] // rows, original.shape[1] // cols)
    changed = (annotated != original).any(-1)
    boxes = []
    for cell in range(rows * cols):
        top, left = (cell // cols) * cell_h, (cell % cols) * cell_w
        ys, xs = np.nonzero(changed[top:top + cell_h, left:left + cell_w])
        if len(ys) == 0:
            boxes.append(None)
            continue
        assert ys.min() == 0 and xs.min() == 0, 'not in the corner'
        boxes.append((ys.max() + 1, xs.max() + 1))
    return boxes


def cell_box(image, cell, box, grid_shape, cell_size):
    top = (cell // grid_shape[1]) * cell_size[0]
    left = (cell % grid_shape[1]) * cell_size[1]
    return image[top:top + box[0], left:left + box[1]]


def test_annotate_grid_writes_each_cells_number_in_a_corner_box():
    grey = np.full((224, 224, 3), 100, np.uint8)
    numbers = [0, 5, 12, 5, 280, 12, 7, 8, 9, 10, 11, 12, 13, 14]  # 14 < 16
    annotated = annotate_grid(grey, numbers)
    assert annotated.shape == grey.shape and annotated.dtype == np.uint8
    boxes = box_masks(annotated, grey, (4, 4))
    # one box per numbered cell, the same size, in the top-left corner;
    # the padding cells untouched
    assert boxes[14:] == [None, None]
    assert len(set(boxes[:14])) == 1
    box = boxes[0]
    assert 6 <= box[0] <= 20 and 10 <= box[1] <= 40, box
    drawn = [cell_box(annotated, c, box, (4, 4), (56, 56)) for c in range(14)]
    # the box depends on the number only: equal numbers, equal boxes
    for i in range(14):
        for j in range(14):
            same = np.array_equal(drawn[i], drawn[j])
            assert same == (numbers[i] == numbers[j]), (i, j)
    # opaque: on any picture, the same boxes
    noise = np.random.default_rng(0).integers(
        0, 256, (224, 224, 3), dtype=np.uint8)
    on_noise = annotate_grid(noise, numbers)
    for cell in range(14):
        np.testing.assert_array_equal(
            cell_box(on_noise, cell, box, (4, 4), (56, 56)), drawn[cell])
        # and nothing else changed
        cell_box(on_noise, cell, box, (4, 4), (56, 56))[:] = \
            cell_box(noise, cell, box, (4, 4), (56, 56))
    np.testing.assert_array_equal(on_noise, noise)


def test_annotate_grid_title_and_errors():
    grid = np.full((64, 96, 3), 30, np.uint8)  # 2x3 cells of 32x32
    plain = annotate_grid(grid, range(6), (2, 3))
    titled = annotate_grid(grid, range(6), (2, 3), title='view 1: jump')
    assert titled.shape[0] > 64 and titled.shape[1:] == (96, 3)
    np.testing.assert_array_equal(titled[-64:], plain)
    strip = titled[:-64]
    assert (strip == 255).mean() > 0.5 and (strip < 128).any()
    other = annotate_grid(grid, range(6), (2, 3), title='view 0: jump')
    assert not np.array_equal(other[:-64], strip)
    with pytest.raises(ValueError, match='divisible'):
        annotate_grid(grid, range(6), (5, 3))
    with pytest.raises(ValueError, match='7 frame indices for 6 cells'):
        annotate_grid(grid, range(7), (2, 3))


class FakeGrids:
    """Three videos of classes 1, 0, 1: a uniform grid of its index."""
    labels = [1, 0, 1]

    def __len__(self):
        return len(self.labels)

    def get_data_info(self, index):
        return dict(label=self.labels[index])

    def __getitem__(self, index):
        grid = torch.full((1, 3, 4, 4), 10 * index, dtype=torch.uint8)
        return dict(inputs=grid)


def test_example_grids_show_the_first_video_of_every_class():
    fig = plot_example_grids(FakeGrids(), ['zero', 'one', 'two'])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ['zero', 'one', '', '']
    first_pixels = [
        int(ax.images[0].get_array()[0, 0, 0]) for ax in fig.axes[:2]
    ]
    assert first_pixels == [10, 0]  # class 0: video 1; class 1: video 0
    assert not fig.axes[2].images
