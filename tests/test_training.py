"""End to end through the real Runner and the command-line tools."""
import hashlib
import json
import os
import re
import socket
import subprocess
import sys

import cv2
import mmaction
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine import Config

from scfa_mm.utils.build import load_dump
from .conftest import REPO_ROOT, write_moving_square_videos

CONFIG = os.path.join(REPO_ROOT, 'tests', 'configs', 'scfa_tiny.py')


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny')
    ann_file = write_moving_square_videos(root)
    options = []
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.dataset.ann_file={ann_file}',
            f'{split}_dataloader.dataset.data_prefix.video={root}/videos'
        ]
    return root, options


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_tool(args, cwd):
    env = dict(
        os.environ,
        PYTHONPATH=REPO_ROOT,
        PYTHON=sys.executable,
        PORT=str(free_port()))
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        notable = [
            line for line in output.splitlines()
            if 'Error' in line or 'terminate called' in line
        ]
        raise AssertionError('\n'.join(notable[-20:]) + '\n...\n' +
                             output[-3000:])
    return output


def train_losses(work_dir):
    """Mean training loss per epoch from the run's scalars.json files."""
    losses = {}
    for run in sorted(os.listdir(work_dir)):
        path = os.path.join(work_dir, run, 'vis_data', 'scalars.json')
        if not os.path.isfile(path):
            continue
        for line in open(path):
            record = json.loads(line)
            if 'loss' in record:
                losses.setdefault(record['epoch'], []).append(record['loss'])
    return {epoch: sum(v) / len(v) for epoch, v in losses.items()}


def test_train_resume_and_test(tiny_data, tmp_path):
    _, options = tiny_data
    work_dir = tmp_path / 'work'
    train = [
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), '--cfg-options', *options
    ]
    run_tool(train + ['train_cfg.max_epochs=2'], REPO_ROOT)
    assert (work_dir / 'epoch_2.pth').is_file()
    first_run = train_losses(work_dir)
    assert sorted(first_run) == [1, 2]

    # an interrupted 6-epoch run continues from its epoch-2 checkpoint
    output = run_tool(
        train +
        ['train_cfg.max_epochs=6', '--resume',
         str(work_dir / 'epoch_2.pth')], REPO_ROOT)
    assert 'resumed epoch: 2' in output
    assert 'Epoch(train) [1]' not in output
    assert 'Epoch(train) [3]' in output
    assert (work_dir / 'epoch_6.pth').is_file()
    losses = train_losses(work_dir)
    assert sorted(losses) == [1, 2, 3, 4, 5, 6]
    assert losses[6] < losses[1] - 0.5, losses

    output = run_tool([
        sys.executable, 'tools/test.py', CONFIG,
        str(work_dir / 'epoch_6.pth'), '--work-dir',
        str(tmp_path / 'test'), '--dump',
        str(tmp_path / 'results.pt'), '--cfg-options', *options,
        'test_evaluator.1.topk=(1,5)', 'test_evaluator.2.k=3'
    ], REPO_ROOT)
    for metric in ('acc/top1', 'retrieval/recall@1', 'retrieval/recall@5',
                   'retrieval/mAP', 'knn/top1@k=3'):
        value = float(re.search(rf'{metric}: ([0-9.]+)', output).group(1))
        assert 0 <= value <= 1, metric

    # the analysis tools read the dump: 8 videos, 2 classes
    results = load_dump(str(tmp_path / 'results.pt'))['samples']
    assert len(results) == 8 and results[0]['embedding'].shape == (16, )
    for tool in ('confusion_matrix.py', 'plot_embeddings.py'):
        out = tmp_path / f'{tool}.png'
        run_tool([
            sys.executable, f'tools/analysis/{tool}',
            str(tmp_path / 'results.pt'), '--out',
            str(out)
        ], REPO_ROOT)
        image = cv2.imread(str(out))
        assert image is not None and min(image.shape[:2]) > 100


def test_dist_train_two_processes_on_cpu(tiny_data, tmp_path):
    _, options = tiny_data
    work_dir = tmp_path / 'dist'
    command = [
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
        str(work_dir), '--cfg-options', *options, 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', 'default_hooks.checkpoint.interval=1'
    ]
    try:
        output = run_tool(command, REPO_ROOT)
    except AssertionError as error:
        # Seen 3 times in about 15 runs of this file or the suite on a
        # loaded 2-core machine: one rank aborts with "terminate called
        # without an active exception" (a native thread torn down). Not
        # reproduced since in 36 runs of this command: 24 of the current
        # code (12 beside two CPU-burning processes), 12 of the code that
        # first showed it (beside them too); cause not found. Retry that
        # failure once; any other failure stands.
        if 'terminate called without an active exception' not in str(error):
            raise
        output = run_tool(command, REPO_ROOT)
    assert 'Distributed training: True' in output
    assert "'backend': 'gloo'" in output
    assert (work_dir / 'epoch_1.pth').is_file()
    # 8 videos, 4 per process and batch: one iteration per epoch and rank
    assert 'Epoch(train) [1][1/1]' in output
    assert 'acc/top1' in output


def test_dist_train_without_pretrained_weights_says_why_first(
        tiny_data, tmp_path):
    _, options = tiny_data
    work_dir = tmp_path / 'dist'
    done = subprocess.run([
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
        str(work_dir), '--cfg-options', *options,
        'model.backbone.pretrained=missing/r18.pth'
    ],
                          cwd=REPO_ROOT,
                          env=dict(
                              os.environ,
                              PYTHONPATH=REPO_ROOT,
                              PYTHON=sys.executable,
                              PORT=str(free_port())),
                          capture_output=True,
                          text=True,
                          timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    reason = ("FileNotFoundError: pretrained weights not available: model."
              "backbone.pretrained = 'missing/r18.pth' is not a file")
    # rank 0 says it before any rank starts a Runner; the launcher stops
    # the other rank
    assert output.count(reason) == 1, output
    assert 'gloo' not in output.lower() and 'Config:' not in output
    assert not work_dir.exists()


def max_weight_difference(path_a, path_b):
    a = torch.load(path_a, map_location='cpu')
    b = torch.load(path_b, map_location='cpu')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    return max((a['state_dict'][k].double() -
                b['state_dict'][k].double()).abs().max().item()
               for k in a['state_dict'])


@pytest.fixture(scope='module')
def trained_checkpoint(tiny_data, tmp_path_factory):
    """The epoch-1 checkpoint of a real training run, with class names."""
    _, options = tiny_data
    work_dir = tmp_path_factory.mktemp('trained')
    (work_dir / 'classnames.txt').write_text('move_right\nmove_left\n')
    run_tool([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), '--vis-backends', 'local', 'tensorboard',
        '--cfg-options', *options, 'train_cfg.max_epochs=1',
        f'train_dataloader.dataset.metainfo.classes={work_dir}/classnames.txt'
    ], REPO_ROOT)
    return work_dir / 'epoch_1.pth'


def test_training_curves_go_to_tensorboard_on_request(trained_checkpoint):
    [vis_data] = trained_checkpoint.parent.glob('*/vis_data')
    assert (vis_data / 'scalars.json').is_file()
    [events] = vis_data.glob('events.out.tfevents.*')
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    accumulator = EventAccumulator(str(events))
    accumulator.Reload()
    losses = [event.value for event in accumulator.Scalars('loss')]
    logged = [
        json.loads(line)['loss']
        for line in (vis_data / 'scalars.json').read_text().splitlines()
        if 'loss' in json.loads(line)
    ]
    assert losses == pytest.approx(logged, rel=1e-6) and len(losses) == 2


def test_vis_backend_without_its_package_says_what_to_install(monkeypatch):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'train_tool', os.path.join(REPO_ROOT, 'tools', 'train.py'))
    monkeypatch.syspath_prepend(os.path.join(REPO_ROOT, 'tools'))
    train_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_tool)
    assert train_tool.vis_backends(['local', 'tensorboard']) == [
        dict(type='LocalVisBackend'),
        dict(type='TensorboardVisBackend')
    ]
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name: None)
    with pytest.raises(
            SystemExit,
            match='--vis-backends wandb needs the '
            'wandb package: pip install wandb'):
        train_tool.vis_backends(['local', 'wandb'])


def published(trained_checkpoint, tmp_path, *flags):
    output = run_tool([
        sys.executable, 'tools/publish_checkpoint.py',
        str(trained_checkpoint),
        str(tmp_path / 'scfa_tiny.pth'), *flags
    ], REPO_ROOT)
    path = re.search(r'written to (\S+)', output).group(1)
    with open(path, 'rb') as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    assert path == str(tmp_path / f'scfa_tiny-{sha256[:8]}.pth')
    return path


UPSTREAM_TOOLS = os.path.join(
    os.path.dirname(mmaction.__file__), '.mim', 'tools')


def test_training_checkpoint_loads_in_stock_tools(tiny_data,
                                                  trained_checkpoint,
                                                  tmp_path):
    from mmaction.apis import init_recognizer
    _, options = tiny_data
    trained = torch.load(trained_checkpoint)  # weights_only=True
    assert trained['meta']['dataset_meta']['classes'] == [
        'move_right', 'move_left'
    ]
    model = init_recognizer(CONFIG, str(trained_checkpoint), device='cpu')
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, trained['state_dict'][key])

    # upstream publish_model.py imports torch only, not the plugin
    run_tool([
        sys.executable,
        os.path.join(UPSTREAM_TOOLS, 'deployment', 'publish_model.py'),
        str(trained_checkpoint),
        str(tmp_path / 'upstream.pth')
    ], tmp_path)
    [upstream] = tmp_path.glob('upstream_*.pth')
    assert torch.load(upstream)['state_dict'].keys() == \
        trained['state_dict'].keys()

    test = [
        sys.executable,
        os.path.join(UPSTREAM_TOOLS, 'test.py'), CONFIG,
        str(trained_checkpoint), '--work-dir',
        str(tmp_path / 'upstream'), '--cfg-options', *options
    ]
    assert re.search(r'acc/top1: [0-9.]+', run_tool(test, REPO_ROOT))
    # the checkpoint's classifier has 2 classes: another count stops
    with pytest.raises(AssertionError) as error:
        run_tool(test + ['model.cls_head.num_classes=3'], REPO_ROOT)
    assert 'classifies 2 classes, the config\'s model.cls_head.' \
        'num_classes is 3' in str(error.value)
    assert 'acc/top1' not in str(error.value)

    # the demo names the classes from the checkpoint alone
    root, _ = tiny_data
    output = run_tool([
        sys.executable, 'demo/demo.py', CONFIG,
        str(trained_checkpoint),
        str(root / 'videos' / 'square_1.mp4')
    ], REPO_ROOT)
    ranked = re.findall(r'^([12])\. (move_right|move_left): ([0-9.]+)$',
                        output, re.MULTILINE)
    assert [rank for rank, _, _ in ranked] == ['1', '2'], output
    assert {name for _, name, _ in ranked} == {'move_right', 'move_left'}
    scores = [float(score) for _, _, score in ranked]
    assert scores[0] >= scores[1] and sum(scores) == pytest.approx(1, abs=2e-4)

    # the slimmed copy loads weights-only as before
    path = published(trained_checkpoint, tmp_path)
    checkpoint = torch.load(path)
    assert checkpoint['meta']['epoch'] == 1
    assert checkpoint['meta']['dataset_meta']['classes'] == [
        'move_right', 'move_left'
    ]
    assert checkpoint['state_dict'].keys() == trained['state_dict'].keys()
    assert 'optimizer' in trained and 'optimizer' not in checkpoint


def test_upstream_train_tool_runs_the_plugin_config(tiny_data, tmp_path):
    _, options = tiny_data
    train = [
        sys.executable,
        os.path.join(UPSTREAM_TOOLS, 'train.py'), CONFIG, '--work-dir',
        str(tmp_path / 'upstream'), '--cfg-options', *options,
        'train_cfg.max_epochs=1', 'train_dataloader.num_workers=auto'
    ]
    # pretrained weights that are not there: one sentence before training
    with pytest.raises(AssertionError) as error:
        run_tool(train + ['model.backbone.pretrained=missing/r18.pth'],
                 REPO_ROOT)
    assert "FileNotFoundError: pretrained weights not available: model." \
        "backbone.pretrained = 'missing/r18.pth' is not a file" \
        in str(error.value)
    assert 'Epoch(train)' not in str(error.value)
    output = run_tool(train, REPO_ROOT)
    # num_workers='auto' resolved: 8 videos in batches of 4
    assert 'Epoch(train) [1][2/2]' in output
    assert (tmp_path / 'upstream' / 'epoch_1.pth').is_file()


def test_published_backbone_initialises_a_config_backbone(
        trained_checkpoint, tmp_path):
    trained = torch.load(trained_checkpoint)['state_dict']
    path = published(trained_checkpoint, tmp_path, '--backbone-only')
    state_dict = torch.load(path)
    assert state_dict.keys() == {
        k[len('backbone.'):]
        for k in trained if k.startswith('backbone.')
    }
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=path)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for key, value in model.backbone.state_dict().items():
        torch.testing.assert_close(value, trained[f'backbone.{key}'])


def test_test_tool_stops_on_a_label_out_of_range(tiny_data, tmp_path):
    root, options = tiny_data
    bad_list = tmp_path / 'bad.txt'
    lines = (root / 'train.txt').read_text().splitlines()
    lines[5] = lines[5].split()[0] + ' 5'  # the tiny set has 2 classes
    bad_list.write_text('\n'.join(lines) + '\n')
    with pytest.raises(AssertionError) as error:
        run_tool([
            sys.executable, 'tools/test.py', CONFIG, 'unused.pth',
            '--work-dir',
            str(tmp_path / 'test'), '--cfg-options', *options,
            f'test_dataloader.dataset.ann_file={bad_list}'
        ], REPO_ROOT)
    message = str(error.value)
    assert f'{bad_list}' in message and 'line 6' in message
    assert 'square_5.mp4): label [5]' in message and '[0, 2)' in message


def test_carl_trains_and_tools_test_reports_the_frame_metrics(
        tiny_data, tmp_path):
    root, options = tiny_data
    labels = tmp_path / 'frame_labels'
    for line in (root / 'train.txt').read_text().splitlines():
        name, label = line.split()
        folder = labels / 'train' / ['move_right', 'move_left'][int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / name.replace('.mp4', '.npy'),
                np.repeat([0, 1, 2], [7, 7, 6]))  # 20 frames
    config = 'configs/carl/carl_r18-small_synthetic.py'
    small = [
        *[o for o in options if not o.startswith('val_')],
        'model.backbone.num_train_frames=8',
        'train_dataloader.dataset.pipeline.1.clip_len=8',
        f'test_dataloader.dataset.pipeline.3.label_root={labels}',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'test_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False'
    ]
    work_dir = tmp_path / 'carl'
    output = run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), '--cfg-options', *small, 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1'
    ], REPO_ROOT)
    losses = [float(v) for v in re.findall(r'loss_scl: ([0-9.]+)', output)]
    assert len(losses) == 2 and all(0 < loss < 10 for loss in losses)
    checkpoint = str(work_dir / 'epoch_1.pth')
    # the training split's frame embeddings, then all four metrics
    dump = tmp_path / 'train_frames.pt'
    run_tool([
        sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
        str(tmp_path / 'dump'), '--dump',
        str(dump), '--cfg-options', *small
    ], REPO_ROOT)
    videos = load_dump(str(dump))['samples']
    assert len(videos) == 8
    assert videos[0]['frame_embeddings'].shape == (20, 32)
    metrics_config = tmp_path / 'carl_metrics.py'
    metrics_config.write_text(
        f"_base_ = '{REPO_ROOT}/{config}'\n"
        'test_evaluator = [\n'
        f"    dict(type='PhaseClassificationMetric', train_dump='{dump}',\n"
        '         per_action=False),\n'
        f"    dict(type='PhaseProgressionMetric', train_dump='{dump}',\n"
        '         per_action=False),\n'
        "    dict(type='KendallsTauMetric', stride=1, per_action=False),\n"
        "    dict(type='FrameRetrievalMetric', stride=1, per_action=False)]\n")
    output = run_tool([
        sys.executable, 'tools/test.py',
        str(metrics_config), checkpoint, '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', *small
    ], REPO_ROOT)
    for key in ('phase/accuracy', 'progression/r2', 'kendalls_tau/tau',
                'frame_retrieval/AP@5'):
        assert re.search(rf'{key}: -?[0-9.]+', output), key


def test_cvrl_augmented_on_the_device_trains_validates_and_resumes_exactly(
        tiny_data, tmp_path):
    """The small CVRL config with its augmentation drawn in two data
    workers and done by ClipAugmentDataPreprocessor trains and validates
    its online probe; a run resumed from its epoch-1 checkpoint ends with
    the uninterrupted run's weights (the draws replay)."""
    _, options = tiny_data
    config = tmp_path / 'cvrl_device.py'
    config.write_text(f'''
_base_ = '{REPO_ROOT}/configs/cvrl/cvrl_r3d18-small_synthetic.py'
model = dict(
    data_preprocessor=dict(type='ClipAugmentDataPreprocessor'),
    backbone=dict(base_channels=8),
    neck=dict(in_channels=64),
    cls_head=dict(in_channels=64))
cpu = _base_.train_pipeline
train_dataloader = dict(dataset=dict(pipeline=[
    *cpu[:3],
    dict(type='PerViewOnDevice', transforms=cpu[3]['transforms'] + cpu[4:6]),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('view_augment', ))]))
''')
    options = options + [
        'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=2',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.batch_size=4', 'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=2', 'randomness.seed=3'
    ]

    def command(work_dir, *extra):
        return [
            sys.executable, 'tools/train.py',
            str(config), '--work-dir',
            str(work_dir), *extra, '--cfg-options', *options
        ]

    output = run_tool(command(tmp_path / 'whole'), REPO_ROOT)
    assert 'PerViewOnDevice' in output  # the config as the Runner printed it
    losses = [float(v) for v in re.findall(r'loss_supcon: ([0-9.]+)', output)]
    assert len(losses) == 4  # 8 videos in batches of 4, 2 epochs
    assert all(0 < loss < 10 for loss in losses)
    assert re.search(r'Epoch\(val\) \[2\]\[2/2\]\s+acc/top1: [0-9.]+', output)
    output = run_tool(
        command(tmp_path / 'resumed', '--resume',
                str(tmp_path / 'whole' / 'epoch_1.pth')), REPO_ROOT)
    assert 'resumed epoch: 1' in output
    assert max_weight_difference(tmp_path / 'whole' / 'epoch_2.pth',
                                 tmp_path / 'resumed' / 'epoch_2.pth') <= 1e-6
