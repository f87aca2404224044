"""Multi-seed experiments: config overrides, run configs, cached results
and the newest test metrics of a work dir."""
import json
import os

from mmengine import Config

from scfa_mm.utils.experiments import (cached_json, latest_test_metrics,
                                       merge_overrides, write_run_config)


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
