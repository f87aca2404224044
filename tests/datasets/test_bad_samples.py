"""Opt-in skipping of unreadable videos: replaced in training, left out
and counted in testing, named in the log, stopped past a share."""
import os

import pytest
import torch
from mmaction.registry import DATASETS
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.datasets import skip_unreadable
from scfa_mm.datasets.skip_unreadable import (SkipUnreadableSamples,
                                              UnreadableSamplesMetric,
                                              collate_skipping_unreadable,
                                              skip_unreadable_in_config)
from scfa_mm.evaluation import SafeDumpResults
from scfa_mm.utils.build import load_dump
from ..conftest import REPO_ROOT, write_moving_square_videos

CONFIG = os.path.join(REPO_ROOT, 'tests', 'configs', 'scfa_tiny.py')


@pytest.fixture(scope='module')
def corrupt_data(tmp_path_factory):
    """The 8 tiny videos, of which square_2.mp4 and square_5.mp4 are
    garbage bytes, and the tiny config's train and test datasets."""
    root = tmp_path_factory.mktemp('bad')
    ann_file = write_moving_square_videos(root)
    for index in (2, 5):
        (root / 'videos' / f'square_{index}.mp4').write_bytes(b'\0' * 500)
    init_default_scope('mmaction')
    cfg = Config.fromfile(CONFIG)
    datasets = {}
    for split in ('train', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        dataset.ann_file = str(ann_file)
        dataset.data_prefix = dict(video=str(root / 'videos'))
        datasets[split] = dataset
    return root, datasets


@pytest.fixture
def logged(monkeypatch):
    messages = []
    monkeypatch.setattr(skip_unreadable, 'print_log',
                        lambda message, **kwargs: messages.append(message))
    return messages


def test_default_stops_with_the_name(corrupt_data):
    _, datasets = corrupt_data
    with pytest.raises(RuntimeError, match='square_2.mp4'):
        DATASETS.build(datasets['train'])[2]


def _inputs_are(samples, reference, indices):
    """Whether ``samples`` have the (deterministic test-pipeline) inputs of
    the readable videos ``indices``."""
    return len(samples) == len(indices) and all(
        torch.equal(sample['inputs'], reference[i]['inputs'])
        for sample, i in zip(samples, indices))


@pytest.fixture(scope='module')
def reference(corrupt_data):
    _, datasets = corrupt_data
    plain = DATASETS.build(datasets['test'])
    return {i: plain[i] for i in (0, 1, 3, 4, 6, 7)}


def test_training_replaces_and_names(corrupt_data, reference, logged):
    _, datasets = corrupt_data
    # 2 of 8 unreadable: 0.25 allowed; the test pipeline (deterministic)
    # in training mode, to tell which video each sample is
    dataset = SkipUnreadableSamples(
        datasets['test'], max_share=0.25, test_mode=False)
    # each bad one replaced by the next readable one, a function of the
    # index (a resumed run reads the same)
    samples = [dataset[i] for i in range(8)]
    assert _inputs_are(samples, reference, [0, 1, 3, 3, 4, 6, 6, 7])
    # (not the previous video: those differ)
    assert not _inputs_are(samples, reference, [0, 1, 1, 3, 4, 4, 6, 7])
    assert dataset.unreadable == {2, 5}
    assert len(logged) == 2
    assert 'square_2.mp4' in logged[0] and 'replaced' in logged[0]
    assert 'square_5.mp4' in logged[1]
    assert not SkipUnreadableSamples(datasets['train']).test_mode


def test_stops_past_the_share(corrupt_data):
    _, datasets = corrupt_data
    # 0.2 of 8 = 1.6: the second unreadable video is one too many
    dataset = SkipUnreadableSamples(datasets['train'], max_share=0.2)
    dataset[2]
    with pytest.raises(RuntimeError) as error:
        dataset[5]
    for part in ('2 of the 8', 'max_share=0.2', 'square_2.mp4',
                 'square_5.mp4'):
        assert part in str(error.value)


def test_testing_leaves_out_counts_and_dumps(corrupt_data, reference, logged,
                                             tmp_path):
    _, datasets = corrupt_data
    dataset = SkipUnreadableSamples(datasets['test'], max_share=0.25)
    assert dataset.test_mode
    samples = [dataset[i] for i in range(8)]
    batches = [collate_skipping_unreadable(samples[j:j + 4]) for j in (0, 4)]
    # 3 + 3 kept, none replaced
    assert [len(b['inputs']) for b in batches] == [3, 3]
    kept = [dict(inputs=inputs) for b in batches for inputs in b['inputs']]
    assert _inputs_are(kept, reference, [0, 1, 3, 4, 6, 7])
    count, dump = UnreadableSamplesMetric(), SafeDumpResults(
        str(tmp_path / 'dump.pt'))
    for batch in batches:
        # a model's predictions keep the samples' metainfo
        predictions = [s.to_dict() for s in batch['data_samples']]
        count.process(batch, predictions)
        dump.process(batch, predictions)
    assert count.evaluate(6) == {'data/skipped_unreadable': 2}
    assert 'square_2.mp4' in logged[-1] and 'square_5.mp4' in logged[-1]
    dump.evaluate(6)
    dumped = load_dump(str(tmp_path / 'dump.pt'))
    assert len(dumped['samples']) == 6
    assert [os.path.basename(n)
            for n in dumped['skipped']] == ['square_2.mp4', 'square_5.mp4']


def test_config_switch():
    cfg = Config.fromfile(CONFIG)
    skip_unreadable_in_config(cfg, 0.01)
    assert cfg.train_dataloader.dataset.type == 'SkipUnreadableSamples'
    assert cfg.train_dataloader.dataset.dataset.type == 'VideoDataset'
    assert 'collate_fn' not in cfg.train_dataloader
    assert cfg.test_dataloader.dataset.test_mode is True
    assert cfg.test_dataloader.collate_fn.type == \
        'collate_skipping_unreadable'
    assert cfg.test_evaluator[-1].type == 'UnreadableSamplesMetric'
    with pytest.raises(ValueError, match=r'max_share.*\[0, 1\).*1\.5'):
        SkipUnreadableSamples([], max_share=1.5)
