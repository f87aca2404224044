"""Checks that run before the Runner starts (tools/train.py, tools/test.py)."""
import pytest
import torch
from mmengine import Config
from mmengine.runner.checkpoint import get_torchvision_models

from scfa_mm.utils import check_labels
from scfa_mm.utils.runtime import check_pretrained_weights
from ..conftest import REPO_ROOT


def config_with_list(tmp_path, lines, num_classes=2):
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text(''.join(f'{line}\n' for line in lines))
    loader = dict(
        dataset=dict(
            type='VideoDataset',
            ann_file=str(ann_file),
            data_prefix=dict(video=str(tmp_path)),
            pipeline=[]))
    return Config(
        dict(
            model=dict(cls_head=dict(num_classes=num_classes)),
            train_dataloader=loader,
            test_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset', times=2,
                    dataset=loader['dataset'])))), str(ann_file)


@pytest.mark.parametrize('key', ['train_dataloader', 'test_dataloader'])
def test_out_of_range_label_names_file_line_video_and_range(tmp_path, key):
    cfg, ann_file = config_with_list(
        tmp_path, ['a.mp4 0', 'b.mp4 1', 'c.mp4 5', 'd.mp4 1', 'e.mp4 -1'])
    with pytest.raises(ValueError) as error:
        check_labels(cfg, [key])
    message = str(error.value)
    assert ann_file in message and key in message
    assert '2 label(s) outside [0, 2)' in message
    assert f'line 3 ({tmp_path}/c.mp4): label [5]' in message
    assert f'line 5 ({tmp_path}/e.mp4): label [-1]' in message
    assert 'line 4' not in message


def test_labels_in_range_pass(tmp_path):
    cfg, _ = config_with_list(tmp_path, ['a.mp4 0', 'b.mp4 1'])
    check_labels(cfg, ['train_dataloader', 'test_dataloader'])
    cfg.model.cls_head.num_classes = 1
    with pytest.raises(ValueError, match=r'\[0, 1\)(.|\n)*line 2 .*b.mp4'):
        check_labels(cfg, ['train_dataloader'])


def test_configs_fit_a_machine_without_gpu(monkeypatch):
    from scfa_mm.utils import adapt_to_available_device
    from scfa_mm.utils.runtime import workers_per_process
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)
    from ..conftest import REPO_ROOT
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/scfa/scfa-selfsup_r50_4xb16-100e_hmdb51.py')
    assert cfg.sync_bn == 'torch'
    assert cfg.train_dataloader.num_workers == 'auto'
    assert cfg.train_dataloader.pin_memory
    adapt_to_available_device(cfg)
    assert cfg.sync_bn is None
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].num_workers == workers_per_process()
        assert cfg[key].pin_memory is False


@pytest.mark.parametrize('cores, processes, expected',
                         [(16, 1, 15), (64, 4, 15), (64, 2, 16), (2, 1, 1),
                          (2, 4, 1)])
def test_workers_per_process(monkeypatch, cores, processes, expected):
    from scfa_mm.utils.runtime import workers_per_process
    monkeypatch.setattr('os.sched_getaffinity', lambda pid: set(range(cores)))
    monkeypatch.setenv('LOCAL_WORLD_SIZE', str(processes))
    assert workers_per_process() == expected


def test_class_name_file_is_checked_like_the_data(tmp_path):
    from scfa_mm.utils import check_data_exists
    cfg, _ = config_with_list(tmp_path, ['a.mp4 0', 'b.mp4 1'])
    for name in ('a.mp4', 'b.mp4'):
        (tmp_path / name).write_bytes(b'')
    names = tmp_path / 'classnames.txt'
    cfg.train_dataloader.dataset.metainfo = dict(classes=str(names))
    # MMEngine would keep the missing file's name as the class names
    with pytest.raises(FileNotFoundError) as error:
        check_data_exists(cfg, ['train_dataloader'])
    assert f"train_dataloader.dataset.metainfo.classes = '{names}'" \
        in str(error.value)
    names.write_text('climb\nrun\nswim\n')
    check_data_exists(cfg, ['train_dataloader'])
    with pytest.raises(
            ValueError,
            match='names 3 classes and model.cls_head'
            r'.num_classes = 2'):
        check_labels(cfg, ['train_dataloader'])
    names.write_text('climb\nrun\n')
    check_labels(cfg, ['train_dataloader'])


def test_preflight_names_missing_videos_with_lines_and_count(tmp_path):
    from scfa_mm.engine.checked_runner import CheckedRunner
    names = [f'v{index:02}.mp4' for index in range(13)]
    cfg, ann_file = config_with_list(tmp_path, [f'{n} 0' for n in names])
    cfg.data_preparation = 'python make_data.py'
    for name in names[:2]:
        (tmp_path / name).write_bytes(b'')
    with pytest.raises(FileNotFoundError) as error:
        CheckedRunner.check_data(cfg, 'test')  # as before every run
    message = str(error.value)
    assert message.startswith(
        f"test_dataloader.dataset.ann_file = '{ann_file}': 11 of 13 listed "
        f"videos not found (data_prefix.video = '{tmp_path}'")
    shown = [
        line for line in message.splitlines()
        if ': line ' in line or line.startswith('  line ')
    ]
    assert shown == [
        f'  line {i + 1}: {tmp_path}/{names[i]}' for i in range(2, 12)
    ]
    assert '  ... and 1 more' in message
    assert 'Prepare the data with:\n  python make_data.py' in message


def test_preflight_names_bad_lines_and_frame_folders(tmp_path):
    from scfa_mm.datasets.annotations import AnnotationListError
    from scfa_mm.utils import check_data_exists
    cfg, ann_file = config_with_list(tmp_path, ['a.mp4 0', 'b.mp4\t1'])
    with pytest.raises(AnnotationListError) as error:
        check_data_exists(cfg, ['train_dataloader'])
    assert str(error.value).startswith(
        f'train_dataloader.dataset.ann_file: annotation list {ann_file}: '
        "1 problem(s):\n  line 2: whitespace other than single spaces")
    # a RawframeDataset list: whitespace is fine, missing folders named
    (tmp_path / 'frames' / 'a').mkdir(parents=True)
    (tmp_path / 'frames.txt').write_text('a\t5 0\nb 3 1\n')
    cfg.train_dataloader.dataset = dict(
        type='RawframeDataset',
        ann_file='frames.txt',
        data_root=str(tmp_path),  # joined as MMEngine joins it
        data_prefix=dict(img='frames'),
        pipeline=[])
    with pytest.raises(
            FileNotFoundError,
            match=r'1 of 2 listed frame folders not found \('
            rf"data_prefix.img = '{tmp_path}/frames'(.|\n)*"
            rf'line 2: {tmp_path}/frames/b'):
        check_data_exists(cfg, ['train_dataloader'])


def test_paths_outside_data_prefix_need_the_config_key(tmp_path):
    from scfa_mm.datasets.annotations import AnnotationListError
    from scfa_mm.utils import check_data_exists
    videos = tmp_path / 'videos'
    videos.mkdir()
    (videos / 'a.mp4').write_bytes(b'')
    (tmp_path / 'outside.mp4').write_bytes(b'')
    cfg, _ = config_with_list(tmp_path, ['a.mp4 0', '../outside.mp4 1'])
    cfg.train_dataloader.dataset.data_prefix.video = str(videos)
    with pytest.raises(
            AnnotationListError,
            match=f"line 2: path outside the data prefix "
            f"'{videos}' \\(allow with the config key "
            r'allow_paths_outside_data_prefix = True\): '
            "'../outside.mp4 1'"):
        check_data_exists(cfg, ['train_dataloader'])
    cfg.allow_paths_outside_data_prefix = True
    check_data_exists(cfg, ['train_dataloader'])


@pytest.fixture
def empty_torch_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    return tmp_path / 'hub' / 'checkpoints'


def test_pretrained_weights_offline_give_one_paragraph(empty_torch_cache,
                                                       monkeypatch):
    attempts = []

    def offline(url, cache_file):
        attempts.append(url)
        return 'URLError: <urlopen error [Errno -2] Name or service not known>'

    monkeypatch.setattr('scfa_mm.utils.runtime._download', offline)
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/scfa_hmdb51.py')
    url = get_torchvision_models()['resnet50']
    cache_file = empty_torch_cache / url.rsplit('/', 1)[1]
    with pytest.raises(FileNotFoundError) as error:
        check_pretrained_weights(cfg)
    message = str(error.value)
    assert attempts == [url]
    assert '\n' not in message  # one paragraph
    assert "model.backbone.pretrained = 'torchvision://resnet50'" in message
    assert url in message and 'URLError' in message
    assert f'place it at {cache_file}' in message
    assert '--cfg-options model.backbone.pretrained=None' in message

    # once the file is in the cache: no download, no error
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(b'weights')
    check_pretrained_weights(cfg)
    assert attempts == [url]


def test_pretrained_sources_at_any_depth(empty_torch_cache, monkeypatch,
                                         tmp_path):
    monkeypatch.setattr('scfa_mm.utils.runtime._download',
                        lambda url, cache_file: 'URLError: offline')
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/carl/carl_r50-transformer_4xb1-300e_penn-'
        'action.py')
    with pytest.raises(
            FileNotFoundError,
            match=r'model\.backbone\.image_backbone\.pretrained'):
        check_pretrained_weights(cfg)

    present = tmp_path / 'backbone.pth'
    present.write_bytes(b'weights')
    cfg = Config(
        dict(
            model=dict(
                backbone=dict(
                    pretrained=None,
                    init_cfg=dict(type='Pretrained', checkpoint=str(present))),
                neck=dict(init_cfg=[
                    dict(type='Normal'),
                    dict(type='Pretrained', checkpoint='missing/neck.pth')
                ]))))
    with pytest.raises(FileNotFoundError) as error:
        check_pretrained_weights(cfg)
    message = str(error.value)
    assert "model.neck.init_cfg[1].checkpoint = 'missing/neck.pth' is not " \
        'a file' in message
    assert str(present) not in message
