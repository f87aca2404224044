import glob
import os.path as osp

import pytest
import torch
from mmengine import Config

from scfa_mm.utils import build_untrained_model
from scfa_mm.utils.runtime import DATALOADERS
from .conftest import REPO_ROOT

# every experiment config, in every folder but the _base_ pieces
CONFIGS = sorted(
    path for path in glob.glob(
        osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in path.split(osp.sep))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    model = build_untrained_model(cfg.model)
    if 'cls_head' in cfg.model:
        assert model.cls_head.num_classes == cfg.model.cls_head.num_classes
    else:  # frame-wise (CARL): one embedding per frame
        with torch.no_grad():
            frames = model.eval()(
                torch.zeros(1, 1, 3, 3, 32, 32), mode='tensor')
        assert frames.shape == (1, 3, cfg.model.backbone.out_channels)


@pytest.mark.parametrize('dataset', ['hmdb51', 'penn_action'])
def test_vivit_uses_the_splits_and_evaluation_of_scfa(dataset):
    scfa = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', f'scfa_{dataset}.py'))
    vivit = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', f'vivit_{dataset}.py'))
    for split in ('train', 'val', 'test'):
        a = scfa[f'{split}_dataloader'].dataset
        b = vivit[f'{split}_dataloader'].dataset
        assert (a.ann_file, a.data_prefix) == (b.ann_file, b.data_prefix)
        # same temporal sampler and number of test views
        sampler_a = a.pipeline[0 if dataset == 'penn_action' else 1]
        sampler_b = b.pipeline[0 if dataset == 'penn_action' else 1]
        assert sampler_a.type == sampler_b.type == 'TemporalMultiView'
        if split != 'train':
            assert sampler_a.num_views == sampler_b.num_views
    # the same top-1 evaluation; SCFA adds metrics on its embeddings
    assert vivit.test_evaluator == scfa.test_evaluator[:1]
    assert vivit.model.backbone.num_frames == 32
    assert vivit.model.backbone.img_size == 224


LOADING = {
    'VideoInit', 'FramePackInit', 'DecordDecode', 'RawFrameDecode'
}


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS if p.endswith('_cache.py')], ids=osp.basename)
def test_cache_config_changes_only_the_loading(path):
    cache = Config.fromfile(path)
    video = Config.fromfile(path.replace('_cache.py', '.py'))
    assert cache.model == video.model
    assert cache.optim_wrapper == video.optim_wrapper
    assert cache.train_cfg == video.train_cfg
    for split in ('train', 'test'):
        pipelines = [
            cfg[f'{split}_dataloader'].dataset.pipeline
            for cfg in (cache, video)
        ]
        assert pipelines[0][0].type == 'FramePackInit'
        assert [t for t in pipelines[0] if t.type not in LOADING] == \
            [t for t in pipelines[1] if t.type not in LOADING]


def test_configs_run_in_the_stock_tools():
    """MMAction2's tools/train.py and test.py (and mim) build
    ``runner_type`` from the registry: every config that leaves something
    to the plugin's Runner (num_workers='auto', the checks) names it, and
    every config writes checkpoints the stock tools load."""
    from mmaction.registry import RUNNERS

    from scfa_mm.engine import CheckedRunner
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        loaders = [cfg.get(key) or {} for key in DATALOADERS]
        if 'examples' in path.split(osp.sep):  # upstream runtime
            assert all(loader.get('num_workers') != 'auto'
                       for loader in loaders), path
            continue
        assert RUNNERS.get(cfg.runner_type) is CheckedRunner, path
        assert dict(type='PortableCheckpointHook') in cfg.custom_hooks, path
