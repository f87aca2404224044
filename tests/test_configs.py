import glob
import importlib.util
import os.path as osp

import pytest
import torch
from mmaction.registry import METRICS, MODELS
from mmaction.structures import ActionDataSample
from mmengine import Config
from mmengine.optim import OptimWrapper

from scfa_mm.utils import build_untrained_model
from scfa_mm.utils.runtime import DATALOADERS
from .conftest import REPO_ROOT

# every experiment config, in every folder but the _base_ pieces
CONFIGS = sorted(
    path for path in glob.glob(
        osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in path.split(osp.sep))

# MMPretrain's BLIP at full size needs its tokenizer's files, which a user
# brings: tests/models/test_blip_grid_caption.py builds it small instead
OWN_MODEL_CONFIGS = [
    path for path in CONFIGS if 'blip' not in path.split(osp.sep)
]


@pytest.mark.parametrize('path', OWN_MODEL_CONFIGS, ids=osp.basename)
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    if cfg.model.type == 'GridCaptioner':
        # its vocabulary comes from training captions that are not here
        cfg.model.vocabulary = dict(words=['a', 'circle', 'moves'])
        model = build_untrained_model(cfg.model).eval()
        images = 16 if cfg.model.get('frame_aggregation') == 'mean' else 1
        with torch.no_grad():
            tokens = model(torch.zeros(1, images, 3, 64, 64), mode='tensor')
        assert tokens.shape[-1] == cfg.model.decoder.embed_dims
        return
    model = build_untrained_model(cfg.model)
    if 'cls_head' in cfg.model:
        assert model.cls_head.num_classes == cfg.model.cls_head.num_classes
    else:  # frame-wise (CARL): one embedding per frame
        with torch.no_grad():
            frames = model.eval()(
                torch.zeros(1, 1, 3, 3, 32, 32), mode='tensor')
        assert frames.shape == (1, 3, cfg.model.backbone.out_channels)


def config(*path: str) -> Config:
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', *path))


@pytest.mark.parametrize('dataset', ['hmdb51', 'penn-action'])
def test_vivit_uses_the_splits_and_evaluation_of_scfa(dataset):
    scfa = config('scfa', f'scfa_r50_4xb16-100e_{dataset}.py')
    vivit = config('vivit', f'vivit_b-fe_8xb8-30e_{dataset}.py')
    for split in ('train', 'val', 'test'):
        a = scfa[f'{split}_dataloader'].dataset
        b = vivit[f'{split}_dataloader'].dataset
        assert (a.ann_file, a.data_prefix) == (b.ann_file, b.data_prefix)
        # same temporal sampler and number of test views
        sampler_a = a.pipeline[0 if dataset == 'penn-action' else 1]
        sampler_b = b.pipeline[0 if dataset == 'penn-action' else 1]
        assert sampler_a.type == sampler_b.type == 'TemporalMultiView'
        if split != 'train':
            assert sampler_a.num_views == sampler_b.num_views
    # the same top-1 evaluation; SCFA adds metrics on its embeddings
    assert vivit.test_evaluator == scfa.test_evaluator[:1]
    assert vivit.model.backbone.num_frames == 32
    assert vivit.model.backbone.img_size == 224


def test_the_config_given_to_users_is_the_moved_one():
    """configs/scfa_hmdb51.py, the command users were given, stays a thin
    file that resolves to the OpenMMLab-named config."""
    assert config('scfa_hmdb51.py').to_dict() == config(
        'scfa', 'scfa_r50_4xb16-100e_hmdb51.py').to_dict()


def _make_synthetic():
    spec = importlib.util.spec_from_file_location(
        'make_synthetic',
        osp.join(REPO_ROOT, 'tools', 'data', 'make_synthetic.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# every CPU-sized config on the synthetic set
SYNTHETIC = [path for path in CONFIGS if 'synthetic' in osp.basename(path)]


@pytest.mark.parametrize('path', SYNTHETIC, ids=osp.basename)
def test_synthetic_configs_share_the_set_of_make_synthetic(path):
    """One place for the synthetic class names and reversed pairs: each
    config's must be those make_synthetic.py writes (label order, pair k
    is classes 2k and 2k + 1)."""
    make_synthetic = _make_synthetic()
    names = make_synthetic.class_names(8)
    cfg = Config.fromfile(path)
    assert cfg.class_names == names
    assert cfg.data_root == 'data/synthetic'
    captions = cfg.model.type == 'GridCaptioner'
    for split in ('train', 'test'):  # the set's lists, or their cache
        ann_file = cfg[f'{split}_dataloader'].dataset.ann_file
        assert ann_file.startswith('data/synthetic/'), ann_file
        expected = f'/captions/{split}.json' if captions else f'/{split}.txt'
        assert ann_file.endswith(expected), ann_file
    if captions:  # the motion words of the generator's captions
        for evaluator in ('val_evaluator', 'test_evaluator'):
            [metric] = [
                m for m in cfg[evaluator] if m.type == 'CaptionKeywordMetric'
            ]
            assert metric.keywords == {
                name: make_synthetic.MOTION_KEYWORDS[name]
                for name in names
            }
            # in label order also as tools/train.py dumps the config
            dumped = Config.fromstring(cfg.pretty_text, '.py')[evaluator]
            built = METRICS.build(
                [m for m in dumped if m.type == 'CaptionKeywordMetric'][0])
            for label, name in enumerate(names):
                keyword = make_synthetic.MOTION_KEYWORDS[name][0]
                assert built.named_classes(f'it {keyword}') == {label}
        return
    metrics = [m for m in cfg.test_evaluator if m.type == 'ReversedPairMetric']
    if 'carl' in path.split(osp.sep):  # frame-level metrics, no top-1
        assert metrics == []
        return
    pairs = [(names.index(a), names.index(b))
             for a, b in make_synthetic.CLASS_PAIRS if a in names]
    assert metrics == [
        dict(type='ReversedPairMetric', pairs=pairs, class_names=names)
    ]


def test_synthetic_baselines_have_the_budget_of_scfa():
    """TSN and ViViT-tiny train as SCFA's synthetic config does (same
    schedule, optimiser, batches, seed, evaluation); only model and
    pipelines differ."""
    scfa = config('scfa', 'scfa_r18_synthetic.py')
    cvrl = config('cvrl', 'cvrl_r3d18-small_synthetic.py')
    for other in (config('tsn', 'tsn_r18_synthetic.py'),
                  config('vivit', 'vivit_tiny-fe_synthetic.py'), cvrl):
        for key in ('train_cfg', 'optim_wrapper', 'param_scheduler',
                    'default_hooks'):
            assert other[key] == scfa[key], key
        for split in ('train', 'val', 'test'):
            loader = other[f'{split}_dataloader']
            assert loader.batch_size == scfa[f'{split}_dataloader'].batch_size
    assert cvrl.test_evaluator[:2] == scfa.test_evaluator


LOADING = {'VideoInit', 'FramePackInit', 'DecordDecode', 'RawFrameDecode'}


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
            assert all(
                loader.get('num_workers') != 'auto'
                for loader in loaders), path
            continue
        assert RUNNERS.get(cfg.runner_type) is CheckedRunner, path
        assert dict(type='PortableCheckpointHook') in cfg.custom_hooks, path


# CVRL's benchmark configs (configs/cvrl/benchmarks/): the linear
# evaluation of the release and the fine-tuning
BENCHMARKS = osp.join(REPO_ROOT, 'configs', 'cvrl', 'benchmarks')
LINEAR = osp.join(BENCHMARKS, 'r3d50_linear-8xb32-100e_kinetics400.py')


def tiny_linear_model():
    """The linear-evaluation model of the Kinetics config, with a tiny 3D
    ResNet-18 (8 base channels) and 3 classes."""
    cfg = Config.fromfile(LINEAR).model
    cfg.backbone.update(depth=18, base_channels=8, pretrained=None)
    cfg.cls_head.update(num_classes=3, in_channels=64)
    return MODELS.build(cfg)


def test_linear_evaluation_trains_only_the_classifier():
    torch.manual_seed(0)
    model = tiny_linear_model()
    model.init_weights()
    model.train()
    backbone_before = {
        k: v.clone()
        for k, v in model.backbone.state_dict().items()
    }
    head_before = model.cls_head.fc_cls.weight.clone()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0))
    data = dict(
        inputs=[
            torch.randint(0, 256, (1, 3, 4, 32, 32)).float() for _ in range(4)
        ],
        data_samples=[])
    for label in (0, 1, 2, 0):
        data['data_samples'].append(ActionDataSample().set_gt_label(label))
    model.train_step(data, optim)

    # BatchNorm in eval mode: its statistics do not move
    norms = [
        m for m in model.backbone.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]
    assert norms and not any(m.training for m in norms)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, backbone_before[key]), key
    # no gradient reaches the backbone, the classifier learns
    assert all(p.grad is None for p in model.backbone.parameters())
    assert not torch.equal(model.cls_head.fc_cls.weight, head_before)

    # the classifier sees unit-norm features
    with torch.no_grad():
        feats, _ = model.extract_feat(torch.stack(data['inputs']))
    assert torch.allclose(
        feats.flatten(1).norm(dim=1), torch.ones(4), atol=1e-6)


def test_linear_config_follows_the_release():
    cfg = Config.fromfile(LINEAR)
    total_batch = 8 * cfg.train_dataloader.batch_size
    # SGD at 32 for a batch of 1024, scaled linearly, no weight decay
    assert cfg.optim_wrapper.optimizer.lr * 1024 / total_batch == 32
    assert cfg.auto_scale_lr.base_batch_size == total_batch
    assert cfg.optim_wrapper.optimizer.weight_decay == 0
    assert cfg.model.neck.type == 'L2NormalizeNeck'
    assert cfg.model.backbone.frozen_stages == 4
    assert cfg.model.backbone.norm_eval
    # warm-up: 1787 of 35744 steps in the release = 5 of 100 epochs
    warmup, cosine = cfg.param_scheduler
    assert warmup.end / cfg.train_cfg.max_epochs == pytest.approx(
        1787 / 35744, abs=1e-3)
    assert cosine.end == cfg.train_cfg.max_epochs == 100
    sampler = cfg.test_dataloader.dataset.pipeline[1]
    assert (sampler.clip_len, sampler.frame_interval,
            sampler.num_clips) == (32, 2, 10)


@pytest.mark.parametrize('dataset, classes', [('ucf101', 101), ('hmdb51', 51)])
def test_finetune_configs(dataset, classes):
    cfg = Config.fromfile(
        osp.join(BENCHMARKS, f'r3d50_ft-8xb8-50e_{dataset}.py'))
    assert cfg.model.cls_head.num_classes == classes
    assert cfg.model.backbone.frozen_stages == -1
    for loader in ('train', 'val', 'test'):
        dataset_cfg = cfg[f'{loader}_dataloader'].dataset
        assert f'{dataset}_' in osp.basename(dataset_cfg.ann_file)
        assert 'split_1' in dataset_cfg.ann_file
        assert dataset_cfg.data_prefix.video == f'data/{dataset}/videos'
