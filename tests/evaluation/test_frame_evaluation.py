"""The frame-evaluation helpers of the analysis tools: the metrics table,
the relative-time baseline and the linear metrics sharing the config's
settings."""
import numpy as np
import pytest
import torch

from scfa_mm.evaluation import PhaseClassificationMetric
from scfa_mm.evaluation.frame_evaluation import (FRAME_COLUMNS,
                                                 evaluate_frame_metrics,
                                                 frame_metrics_table,
                                                 relative_time_embedder)
from scfa_mm.utils.build import save_dump


def test_frame_metrics_table_formats_shares_and_scores():
    metrics = {key: 0.5 for key, _, _ in FRAME_COLUMNS}
    metrics.update({'progression/r2': 0.12345, 'frame_retrieval/AP@5': 1})
    lines = frame_metrics_table({'model': metrics}).splitlines()
    assert lines[0].startswith('| representation | phase classification |')
    assert lines[1] == '|---|' + '---|' * 6
    assert lines[2] == ('| model | 50.0% | 0.123 | 0.500 | 100.0% | 50.0% '
                        '| 50.0% |')


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
