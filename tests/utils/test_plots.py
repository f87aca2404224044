"""Training curves of MMEngine work dirs, embedding plots at many classes
and annotated grids."""
import importlib.util
import json
import os

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from scfa_mm.datasets.transforms import TemporalMultiView
from scfa_mm.utils.curves import (find_scalar_files, plot_training_curves,
                                  read_training_log, save_training_curves)
from scfa_mm.utils.plots import annotate_grid, plot_points_2d

from ..conftest import REPO_ROOT, VIDEOS, video_path


def load_tool(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(REPO_ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- curves


def train_record(epoch, it, loss, lr=1e-3):
    # the keys and their order as MMEngine 0.10 wrote them for
    # tests/configs/scfa_tiny.py
    return dict(
        lr=lr,
        data_time=0.02,
        loss=loss,
        loss_supcon=loss - 0.5,
        top1_acc=0.5,
        loss_cls=0.5,
        time=0.2,
        epoch=epoch,
        iter=it,
        step=it)


def val_record(epoch, top1):
    return {
        'acc/top1': top1,
        'acc/top5': 1.0,
        'acc/mean1': top1,
        'data_time': 0.01,
        'time': 0.04,
        'step': epoch
    }


def write_run(work_dir, timestamp, records, extra_line=None):
    run = work_dir / timestamp
    (run / 'vis_data').mkdir(parents=True)
    (run / f'{timestamp}.log').write_text('log\n')
    lines = [json.dumps(record) for record in records]
    if extra_line is not None:
        lines.append(extra_line)
    (run / 'vis_data' / 'scalars.json').write_text('\n'.join(lines) + '\n')


@pytest.fixture
def resumed_work_dir(tmp_path):
    """3 iterations an epoch. The first launch logs epochs 1-2, validates
    them, and dies in epoch 3 after iteration 8; the second resumes from
    the epoch-2 checkpoint (iteration 7 on) and runs to epoch 4. A third
    launch (tools/test.py) wrote no scalars."""
    work_dir = tmp_path / 'scfa_run'
    first = [
        train_record(1, 1, 5.0),
        train_record(1, 2, 4.8),
        train_record(1, 3, 4.6),
        val_record(1, 0.25),
        train_record(2, 4, 4.4),
        train_record(2, 5, 4.2),
        train_record(2, 6, 4.0),
        val_record(2, 0.5),
        train_record(3, 7, 99.0),
        train_record(3, 8, 98.0)
    ]
    second = [
        train_record(3, 7, 3.9),
        train_record(3, 8, 3.7),
        train_record(3, 9, 3.5),
        val_record(3, 0.625),
        train_record(4, 10, 3.3),
        train_record(4, 11, 3.2),
        train_record(4, 12, 3.0),
        val_record(4, 0.75)
    ]
    write_run(work_dir, '20260101_100000', first)
    write_run(work_dir, '20260101_110000', second)
    (work_dir / '20260101_120000').mkdir()
    (work_dir / '20260101_120000' / '20260101_120000.log').write_text('x')
    return work_dir


EXPECTED_LOSS = {
    1: 5.0,
    2: 4.8,
    3: 4.6,
    4: 4.4,
    5: 4.2,
    6: 4.0,
    7: 3.9,
    8: 3.7,
    9: 3.5,
    10: 3.3,
    11: 3.2,
    12: 3.0
}
EXPECTED_TOP1 = {1: 0.25, 2: 0.5, 3: 0.625, 4: 0.75}


def test_reading_merges_the_launches_and_a_resumed_run(resumed_work_dir):
    log = read_training_log(str(resumed_work_dir))
    assert [os.path.basename(run)
            for run in log.runs] == ['20260101_100000', '20260101_110000']
    assert {r['iter']: r['loss'] for r in log.train} == EXPECTED_LOSS
    assert [r['iter'] for r in log.train] == list(range(1, 13))
    assert [r['step'] for r in log.val] == [1, 2, 3, 4]
    assert {r['step']: r['acc/top1'] for r in log.val} == EXPECTED_TOP1
    assert log.val_by == 'epoch'
    keys = log.keys()
    assert 'loss_supcon' in keys['train'] and 'iter' not in keys['train']
    assert 'acc/top1' in keys['val'] and 'acc/top1' not in keys['train']


def test_a_run_restarted_from_scratch_replaces_the_earlier(tmp_path):
    write_run(tmp_path, '20260101_100000',
              [train_record(1, 1, 9.0),
               train_record(1, 2, 8.0)])
    write_run(
        tmp_path,
        '20260102_100000', [train_record(1, 1, 1.0)],
        extra_line='{"lr": 0.001, "loss"')  # killed while writing
    with pytest.warns(UserWarning, match='line 2 is incomplete'):
        log = read_training_log(str(tmp_path))
    assert [(r['iter'], r['loss']) for r in log.train] == [(1, 1.0)]


def test_plotted_lines_hold_the_logged_values(resumed_work_dir):
    log = read_training_log(str(resumed_work_dir))
    fig = plot_training_curves([log], ['loss', 'acc/top1', 'val:time'])
    loss_ax, top1_ax, time_ax = fig.axes[:3]
    (line, ) = loss_ax.lines
    assert list(line.get_xdata()) == list(EXPECTED_LOSS)
    assert list(line.get_ydata()) == list(EXPECTED_LOSS.values())
    assert loss_ax.get_xlabel() == 'iteration'
    (line, ) = top1_ax.lines
    assert list(line.get_xdata()) == [1, 2, 3, 4]
    assert list(line.get_ydata()) == list(EXPECTED_TOP1.values())
    assert top1_ax.get_xlabel() == 'epoch'
    assert list(time_ax.lines[0].get_ydata()) == [0.04] * 4

    # against the epoch: the mean of each epoch's logged values
    fig = plot_training_curves([log], ['loss'], x='epoch')
    (line, ) = fig.axes[0].lines
    assert list(line.get_xdata()) == [1, 2, 3, 4]
    np.testing.assert_allclose(line.get_ydata(),
                               [4.8, 4.2, 3.7, (3.3 + 3.2 + 3.0) / 3])


def test_work_dirs_overlay_labelled_by_name(resumed_work_dir, tmp_path):
    other = tmp_path / 'baseline'
    write_run(other, '20260105_000000',
              [train_record(1, 1, 7.0),
               train_record(1, 2, 6.0)])
    logs = [
        read_training_log(str(resumed_work_dir)),
        read_training_log(str(other))
    ]
    with pytest.warns(UserWarning, match="baseline: no key 'acc/top1'"):
        fig = plot_training_curves(logs, ['loss', 'acc/top1'])
    loss_ax, top1_ax = fig.axes[:2]
    assert [line.get_label()
            for line in loss_ax.lines] == ['scfa_run', 'baseline']
    assert list(loss_ax.lines[1].get_ydata()) == [7.0, 6.0]
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()
            ] == ['scfa_run', 'baseline']
    assert [line.get_label() for line in top1_ax.lines] == ['scfa_run']


def test_plot_curves_tool(resumed_work_dir, tmp_path, capsys):
    tool = load_tool('tools/analysis/plot_curves.py')
    tool.main([str(resumed_work_dir), '--list'])
    listed = capsys.readouterr().out
    assert '2 run(s), 12 training and 4 validation records' in listed
    assert 'loss_supcon' in listed and 'acc/top1' in listed
    out = tmp_path / 'curves.png'
    tool.main([
        str(resumed_work_dir), '--keys', 'loss', 'acc/top1', '--out',
        str(out)
    ])
    assert out.stat().st_size > 1000
    out.unlink()
    tool.main([str(resumed_work_dir), '--out', str(out)])  # default keys
    assert out.stat().st_size > 1000
    with pytest.raises(SystemExit, match="no key 'los'.*loss_supcon"):
        tool.main([str(resumed_work_dir), '--keys', 'los', '--out', str(out)])


def test_a_work_dir_without_scalars_is_named(tmp_path):
    empty = tmp_path / 'not_trained'
    (empty / '20260101_000000').mkdir(parents=True)
    expected = os.path.join(
        str(empty), '<timestamp>', 'vis_data', 'scalars.json')
    with pytest.raises(FileNotFoundError) as error:
        find_scalar_files(str(empty))
    assert str(empty) in str(error.value)
    assert expected in str(error.value)
    tool = load_tool('tools/analysis/plot_curves.py')
    with pytest.raises(SystemExit, match='not_trained holds no training'):
        tool.main([str(empty)])
    with pytest.raises(FileNotFoundError, match='does not exist'):
        read_training_log(str(tmp_path / 'missing'))


def test_saved_training_curves_draw_the_logged_keys(resumed_work_dir,
                                                    tmp_path):
    out = tmp_path / 'training_curves.png'
    # the synthetic report's keys: this run logged them all
    drawn = save_training_curves(str(resumed_work_dir), str(out))
    assert drawn == ['loss_supcon', 'loss_cls', 'acc/top1']
    assert out.stat().st_size > 1000
    out.unlink()
    drawn = save_training_curves(
        str(resumed_work_dir), str(out), keys=('acc/top1', 'loss_ce', 'lr'))
    assert drawn == ['acc/top1', 'lr']  # a key not logged is left out
    assert out.stat().st_size > 1000


# ------------------------------------------------------------ embeddings


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


# ----------------------------------------------------------------- grids


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
