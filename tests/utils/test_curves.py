"""Training curves of MMEngine work dirs (scfa_mm/utils/curves.py) and
their command line, tools/analysis/plot_curves.py."""
import json
import os

import numpy as np
import pytest

from scfa_mm.utils.curves import (find_scalar_files, plot_training_curves,
                                  read_training_log, save_training_curves)
from ..conftest import load_tool


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
