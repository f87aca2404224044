"""tools/visualize_grid.py: the grids of the sampled frames, each cell
numbered with its frame."""
import numpy as np

from scfa_mm.datasets.transforms import TemporalMultiView
from scfa_mm.utils.plots import annotate_grid
from ..conftest import VIDEOS, load_tool, video_path
from ..utils.test_plots import box_masks, cell_box


def test_visualize_grid_numbers_the_sampled_frames():
    name = 'arm_wrestling_340x256_280f.mp4'
    tool = load_tool('tools/visualize_grid.py')
    sampled = tool.sample_grids(
        video_path(name), num_views=2, clip_len=16, test_mode=True)
    # the sampler alone, on the frame count of the data README
    sampler = TemporalMultiView(num_views=2, clip_len=16, test_mode=True)
    expected = sampler(dict(total_frames=VIDEOS[name],
                            start_index=0))['frame_inds'].reshape(2, 16)
    np.testing.assert_array_equal(sampled['frame_inds'], expected)

    grids = sampled['imgs']
    plain = tool.draw_views(grids, gap=8)
    annotated = tool.draw_views(
        grids, sampled['frame_inds'], label='arm wrestling', gap=8)
    assert plain.shape == (224, 2 * 224 + 8, 3)
    strip = annotated.shape[0] - 224
    assert strip > 0 and annotated.shape[1] == plain.shape[1]
    for view in range(2):
        left = view * (224 + 8)
        grid = plain[:, left:left + 224]
        drawn = annotated[strip:, left:left + 224]
        # the boxes hold the sampler's numbers: as drawn on a blank grid
        blank = np.full_like(grid, 100)
        reference = annotate_grid(blank, expected[view])
        (box, ) = set(box_masks(reference, blank, (4, 4)))
        for cell in range(16):
            np.testing.assert_array_equal(
                cell_box(drawn, cell, box, (4, 4), (56, 56)),
                cell_box(reference, cell, box, (4, 4), (56, 56)))
            assert not np.array_equal(
                cell_box(drawn, cell, box, (4, 4),
                         (56, 56)), cell_box(grid, cell, box, (4, 4),
                                             (56, 56)))
            cell_box(drawn, cell, box, (4, 4), (56, 56))[:] = \
                cell_box(grid, cell, box, (4, 4), (56, 56))
        # outside the boxes the grid is the network's input
        np.testing.assert_array_equal(drawn, grid)
    titles = [annotated[:strip, v * 232:v * 232 + 224] for v in range(2)]
    assert not np.array_equal(titles[0], titles[1])
