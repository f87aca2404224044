"""The library behind the analysis tools: results pages written between
markers, figures over seeds, run configs of multi-seed experiments, the
frame-evaluation helpers and the test summary of the synthetic report."""
import json
import os
import statistics

import numpy as np
import pytest
import torch
from mmengine import Config

from scfa_mm.evaluation import PhaseClassificationMetric
from scfa_mm.evaluation.frame_evaluation import (FRAME_COLUMNS,
                                                 evaluate_frame_metrics,
                                                 frame_metrics_table,
                                                 relative_time_embedder)
from scfa_mm.evaluation.reversed_pair_metric import reversal_summary
from scfa_mm.utils.build import save_dump
from scfa_mm.utils.experiments import (cached_json, latest_test_metrics,
                                       merge_overrides, write_run_config)
from scfa_mm.utils.markdown import (markdown_table, mean_std,
                                    write_between_markers)
from scfa_mm.utils.plots import plot_example_grids

# ------------------------------------------------------------- markdown


def test_mean_std_against_statistics():
    values = [0.812, 0.797, 0.843]
    mean = 100 * statistics.mean(values)
    std = 100 * statistics.stdev(values)  # sample deviation
    assert mean_std(values) == f'{mean:.1f} ± {std:.1f}%'
    assert mean_std([0.5]) == '50.0%'
    assert mean_std([1.25, 2.5], percent=False, digits=3) == \
        f'{1.875:.3f} ± {statistics.stdev([1.25, 2.5]):.3f}'


def test_markdown_table():
    assert markdown_table(['a', 'b'], [['1', '2'], ['3', '4']]) == \
        '| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |'


def test_write_between_markers_keeps_the_page_around_the_table(tmp_path):
    page = tmp_path / 'results.md'
    write_between_markers(str(page), 'first')  # no page yet: made
    assert page.read_text() == ('# Results on the synthetic set\n\n'
                                '<!-- results: begin -->\nfirst\n'
                                '<!-- results: end -->\n')
    page.write_text('intro\n<!-- results: begin -->\nold\n'
                    '<!-- results: end -->\noutro\n')
    write_between_markers(str(page), 'new')
    write_between_markers(str(page), 'tagged', 'clip x')  # markers added
    assert page.read_text() == (
        'intro\n<!-- results: begin -->\nnew\n<!-- results: end -->\n'
        'outro\n\n<!-- results clip x: begin -->\ntagged\n'
        '<!-- results clip x: end -->\n')


def test_frame_metrics_table_formats_shares_and_scores():
    metrics = {key: 0.5 for key, _, _ in FRAME_COLUMNS}
    metrics.update({'progression/r2': 0.12345, 'frame_retrieval/AP@5': 1})
    lines = frame_metrics_table({'model': metrics}).splitlines()
    assert lines[0].startswith('| representation | phase classification |')
    assert lines[1] == '|---|' + '---|' * 6
    assert lines[2] == ('| model | 50.0% | 0.123 | 0.500 | 100.0% | 50.0% '
                        '| 50.0% |')


# ---------------------------------------------------------- experiments


def test_merge_overrides_updates_dicts_one_level():
    cfg = Config(dict(model=dict(a=1, neck=dict(x=1)), other=[1]))
    merge_overrides(cfg, dict(model=dict(neck=None, b=2), other=[2]))
    assert cfg.model == dict(a=1, neck=None, b=2) and cfg.other == [2]


def test_write_run_config(tmp_path):
    config = tmp_path / 'base.py'
    config.write_text(
        "train_cfg = dict(max_epochs=20, val_interval=5)\n"
        "param_scheduler = [dict(type='CosineAnnealingLR', T_max=20, "
        "end=20)]\n"
        "train_dataloader = dict(dataset=dict("
        "ann_file='data/synthetic/train.txt'))\n"
        "model = dict(positives='label')\n")
    path = write_run_config(
        str(config),
        dict(model=dict(positives='video')),
        3,
        str(tmp_path / 'run'),
        data_root='data/synthetic_varied',
        epochs=10)
    cfg = Config.fromfile(path)
    assert path == str(tmp_path / 'run' / 'config.py')
    assert cfg.randomness == dict(seed=3)
    assert cfg.model.positives == 'video'
    assert cfg.train_dataloader.dataset.ann_file == \
        'data/synthetic_varied/train.txt'
    assert cfg.train_cfg == dict(max_epochs=10, val_interval=2)
    assert cfg.param_scheduler[0].T_max == 10
    assert cfg.param_scheduler[0].end == 10
    kept = Config.fromfile(
        write_run_config(
            str(config), {},
            0,
            str(tmp_path / 'kept'),
            train_list='subset.txt'))
    assert kept.train_cfg.max_epochs == 20
    assert kept.train_dataloader.dataset.ann_file == 'subset.txt'


def test_cached_json_computes_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return dict(top1=0.5)

    path = str(tmp_path / 'result.json')
    assert cached_json(path, compute) == dict(top1=0.5)
    assert cached_json(path, compute) == dict(top1=0.5)
    assert len(calls) == 1 and not os.path.exists(path + '.partial')


def test_latest_test_metrics_reads_the_newest_run(tmp_path):
    for name, top1, when in (('b', 0.1, 100), ('a', 0.9, 200)):
        (tmp_path / name).mkdir()
        path = tmp_path / name / f'{name}.json'
        path.write_text(json.dumps({'acc/top1': top1}))
        os.utime(path, (when, when))
    assert latest_test_metrics(str(tmp_path)) == {'acc/top1': 0.9}


# ----------------------------------------------------- frame evaluation


def test_relative_time_embedder_spreads_positions_over_training_length():
    embed = relative_time_embedder(num_train_frames=9, channels=4)
    sample = dict(inputs=torch.zeros(1, 3, 5, 2, 2))
    frames = embed(sample)
    assert frames.shape == (5, 4)
    # 5 frames over [0, 8]: positions 0, 2, 4, 6, 8; pairwise frequencies
    # 1 and 1 / 100 (10000 ** (2 / 4)); each row L2-normalised (norm √2)
    positions = np.arange(0, 9, 2.0)
    expected = np.stack([
        np.sin(positions),
        np.cos(positions),
        np.sin(positions / 100),
        np.cos(positions / 100)
    ], 1) / np.sqrt(2)
    np.testing.assert_allclose(frames.numpy(), expected, atol=1e-6)


def test_evaluate_frame_metrics_shares_the_settings_of_the_config(tmp_path):
    rng = np.random.default_rng(0)

    def video(action):
        return dict(
            frame_embeddings=torch.from_numpy(
                rng.normal(size=(12, 3)).astype(np.float32)),
            frame_labels=np.repeat([0, 1, 2], 4),
            gt_label=torch.tensor([action]))

    train = [video(a) for a in (0, 0, 1, 1)]
    test = [video(a) for a in (0, 1, 1)]
    train_dump = str(tmp_path / 'train.pt')
    save_dump(train, train_dump)
    results = evaluate_frame_metrics(
        test, train_dump, [dict(type='KendallsTauMetric', per_action=False)])
    assert set(results) == {
        'kendalls_tau/tau', 'phase/accuracy', 'progression/r2'
    }
    # the linear metrics follow per_action=False of the config's metric
    pooled = PhaseClassificationMetric(train_dump=train_dump, per_action=False)
    pooled.process(None, test)
    assert results['phase/accuracy'] == pytest.approx(
        pooled.compute_metrics(pooled.results)['accuracy'])


# ------------------------------------------------------- synthetic report


def test_reversal_summary_against_a_loop():
    scores = np.array([[0.6, 0.4, 0.0], [0.7, 0.3, 0.0], [0.1, 0.2, 0.7],
                       [0.0, 0.9, 0.1]])
    labels = np.array([0, 1, 2, 1])
    summary = reversal_summary(scores, labels, [(0, 1)], ['a', 'b', 'c'])
    # videos of the pair: 0 (right, above its twin), 1 (wrong), 3 (right)
    assert summary['num_videos'] == 4
    assert summary['top1'] == pytest.approx(3 / 4)
    assert summary['reversed/reversal_acc'] == pytest.approx(2 / 3)
    assert summary['reversed/top1/a-b'] == pytest.approx(2 / 3)


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
