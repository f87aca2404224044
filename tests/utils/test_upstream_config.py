import os.path as osp

import mmaction
import pytest
import torch
from mmaction.registry import DATASETS, HOOKS
from mmengine import Config

from scfa_mm.utils import build_untrained_model
from scfa_mm.utils.upstream_fit import check_grid_recognizer
from ..conftest import REPO_ROOT, VIDEO_DIR, VIDEOS

EXAMPLES = osp.join(REPO_ROOT, 'configs', 'examples')
CONFIG = osp.join(EXAMPLES, 'tsn_r50_grid-aggregate_kinetics400.py')
TSM_CONFIG = osp.join(EXAMPLES, 'tsm_r50_grid-sequence_kinetics400.py')
UPSTREAM = osp.join(
    osp.dirname(mmaction.__file__), '.mim', 'configs', 'recognition')
I3D = osp.join(
    UPSTREAM, 'i3d',
    'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py')
TIMESFORMER = osp.join(UPSTREAM, 'timesformer',
                       'timesformer_divST_8xb8-8x32x1-15e_kinetics400-rgb.py')
SPLITS = ('train', 'val', 'test')


def write_ann_file(tmp_path):
    ann_file = tmp_path / 'train_list.txt'
    ann_file.write_text(''.join(f'{name} {label}\n'
                                for label, name in enumerate(sorted(VIDEOS))))
    return str(ann_file)


def with_grid_pipelines(cfg):
    """``cfg`` with the TSN example's grid pipelines (2 views of 16 frames,
    one 4x4 grid each) in all its dataloaders."""
    example = Config.fromfile(CONFIG)
    for split in SPLITS:
        if cfg.get(f'{split}_dataloader') is None:
            continue
        cfg[f'{split}_dataloader'].dataset.pipeline = \
            example[f'{split}_pipeline']
    return cfg


def predict_with_resnet18(cfg, sample):
    """The config's model, with a ResNet-18 at random initialisation,
    predicting on one sample of its pipeline."""
    cfg.model.backbone.depth = 18
    cfg.model.cls_head.in_channels = 512
    model = build_untrained_model(cfg.model).eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(
                inputs=[sample['inputs']],
                data_samples=[sample['data_samples']]))
        return model(**data, mode='predict')


def test_upstream_config_with_scfa_transforms_loads_a_sample(tmp_path):
    cfg = Config.fromfile(CONFIG)
    # inherited from upstream, untouched by the swap
    assert cfg.model.type == 'Recognizer2D'
    assert cfg.model.cls_head.type == 'TSNHead'
    assert cfg.train_cfg.max_epochs == 100
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(
        ann_file=write_ann_file(tmp_path), data_prefix=dict(video=VIDEO_DIR))
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == len(VIDEOS)
    sample = dataset[1]
    # two views, each one 4x4 grid of 56x56 frames
    assert sample['inputs'].shape == (2, 3, 224, 224)
    assert sample['inputs'].dtype == torch.uint8
    assert sample['data_samples'].gt_label.item() == 1

    [prediction] = predict_with_resnet18(cfg, sample)
    assert prediction.pred_score.shape == (400, )


def test_tsm_example_predicts_on_a_sequence_of_grids(tmp_path):
    cfg = Config.fromfile(TSM_CONFIG)
    # inherited from upstream: ResNet-50 TSM
    assert cfg.model.type == 'Recognizer2D'
    assert cfg.model.backbone.type == 'ResNetTSM'
    assert cfg.model.cls_head.type == 'TSMHead'
    assert cfg.model.backbone.num_segments == 8
    assert cfg.model.cls_head.num_segments == 8
    check_grid_recognizer(cfg)  # fits: no error

    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.update(
        ann_file=write_ann_file(tmp_path), data_prefix=dict(video=VIDEO_DIR))
    dataset = DATASETS.build(dataset_cfg)
    sample = dataset[1]
    # 8 snippets in temporal order, each one 4x4 grid of 56x56 frames
    assert sample['inputs'].shape == (8, 3, 224, 224)
    assert sample['data_samples'].gt_label.item() == 1

    [prediction] = predict_with_resnet18(cfg, sample)
    score = prediction.pred_score
    assert score.shape == (400, )
    assert torch.isclose(score.sum(), torch.tensor(1.0), atol=1e-4)


@pytest.mark.parametrize('module', ['backbone', 'cls_head'])
def test_tsm_with_num_segments_other_than_the_grids_is_refused(module):
    cfg = Config.fromfile(TSM_CONFIG)
    cfg.model[module].num_segments = 4
    with pytest.raises(ValueError) as error:
        check_grid_recognizer(cfg)
    message = str(error.value)
    for part in ('GridAggregate', 'num_segments=4', '8 grid(s) per sample',
                 f'model.{module}'):
        assert part in message


def test_tsm_with_grids_of_two_views_needs_two_segments():
    # the upstream TSM (num_segments=8 by default) with 2 views per sample
    upstream = osp.join(
        UPSTREAM, 'tsm',
        'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py')
    cfg = with_grid_pipelines(Config.fromfile(upstream))
    with pytest.raises(ValueError, match=r'num_views=2\) gives 2 grid'):
        check_grid_recognizer(cfg)
    cfg.model.backbone.num_segments = 2
    cfg.model.cls_head.num_segments = 2
    check_grid_recognizer(cfg)


@pytest.mark.parametrize('config, backbone', [(I3D, 'ResNet3d'),
                                              (TIMESFORMER, 'TimeSformer')])
def test_3d_recognizers_refuse_a_grid_pipeline(config, backbone):
    cfg = Config.fromfile(config)
    check_grid_recognizer(cfg)  # its own clip pipeline fits
    cfg = with_grid_pipelines(cfg)
    with pytest.raises(ValueError) as error:
        check_grid_recognizer(cfg)
    message = str(error.value)
    for part in ('train_dataloader', 'GridAggregate', "'Recognizer3D'",
                 repr(backbone), 'Recognizer2D', 'SCFARecognizer'):
        assert part in message


def test_only_the_given_dataloaders_are_checked():
    cfg = Config.fromfile(I3D)
    cfg.test_dataloader.dataset.pipeline = \
        Config.fromfile(CONFIG).test_pipeline
    check_grid_recognizer(cfg, dataloaders=('train_dataloader', ))
    with pytest.raises(ValueError, match='test_dataloader'):
        check_grid_recognizer(cfg)


def test_grids_packed_as_clips_are_refused():
    cfg = Config.fromfile(CONFIG)
    cfg.val_dataloader.dataset.pipeline[-2].input_format = 'NCTHW'
    with pytest.raises(ValueError, match="val_dataloader.*'NCTHW'"):
        check_grid_recognizer(cfg)


@pytest.mark.parametrize('config', [
    'scfa_hmdb51.py', 'cvrl/cvrl_r3d18-small_synthetic.py',
    'carl/carl_r18-small_synthetic.py'
])
def test_the_plugin_configs_pass(config):
    check_grid_recognizer(
        Config.fromfile(osp.join(REPO_ROOT, 'configs', config)))


def test_the_hook_stops_a_stock_runner_before_the_first_batch(tmp_path):
    """What a user of MMAction2's own tools/test.py gets: the example
    config lists the hook, and its check fails in ``before_run``."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(TSM_CONFIG)
    assert dict(type='GridRecognizerCheckHook') in cfg.custom_hooks
    cfg.model.backbone.update(depth=18, num_segments=4)
    cfg.model.cls_head.in_channels = 512
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.update(
        ann_file=write_ann_file(tmp_path), data_prefix=dict(video=VIDEO_DIR))
    cfg.work_dir = str(tmp_path / 'work_dir')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='num_segments=4'):
        runner.test()


def test_the_hook_checks_the_runner_config():
    hook = HOOKS.build(dict(type='GridRecognizerCheckHook'))

    class FakeRunner:
        cfg = with_grid_pipelines(Config.fromfile(I3D))

    with pytest.raises(ValueError, match='Recognizer3D'):
        hook.before_run(FakeRunner())
    FakeRunner.cfg = Config.fromfile(TSM_CONFIG)
    hook.before_run(FakeRunner())


@pytest.mark.parametrize('config, expects', [
    ('cvrl/cvrl_r3d18-small_synthetic.py', 'clips of consecutive frames'),
    ('carl/carl_r18-small_synthetic.py', 'sequences of frames'),
])
def test_the_plugins_clip_models_refuse_a_grid_pipeline(config, expects):
    """CVRL and CARL are registered as ``CVRL`` and ``CARL``: the check
    must know them by those names to say what they take instead."""
    cfg = with_grid_pipelines(
        Config.fromfile(osp.join(REPO_ROOT, 'configs', config)))
    with pytest.raises(
            ValueError,
            match=f'cannot take images: it expects '
            f'{expects}.*\\(B, V, 3, T, H, W\\)'):
        check_grid_recognizer(cfg)
