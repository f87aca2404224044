"""demo/demo.py on a real clip with a tiny SCFA checkpoint."""
import importlib.util
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.utils import build_untrained_model
from ..conftest import REPO_ROOT, VIDEO_DIR, video_path

DEMO = osp.join(REPO_ROOT, 'demo', 'demo.py')
VIDEO = 'clip_340x256_300f.mp4'
NUM_CLASSES = 7
FILE_NAMES = [f'file class {i}' for i in range(NUM_CLASSES)]
META_NAMES = [f'meta_class_{i}' for i in range(NUM_CLASSES)]
LINE = re.compile(r'^(\d+)\. (.+): (\d+\.\d+)$')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A tiny SCFA config (ResNet-18, 2 views of 2x2 grids of 16x16 cells,
    7 classes), checkpoints of one random model with and without class
    names, a label file, and the model's own scores for ``VIDEO``
    computed through the test dataset, as tools/test.py reads it."""
    init_default_scope('mmaction')
    root = tmp_path_factory.mktemp('demo')
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'tests', 'configs', 'scfa_tiny.py'))
    cfg.model.cls_head.num_classes = NUM_CLASSES
    config = str(root / 'scfa_tiny_7.py')
    cfg.dump(config)

    torch.manual_seed(0)
    model = build_untrained_model(cfg.model)
    model.init_weights()
    # class scores far enough apart for a meaningful ranking
    with torch.no_grad():
        model.cls_head.fc_cls.bias.copy_(
            torch.linspace(-1.5, 1.5, 7)[[3, 0, 6, 2, 5, 1, 4]])
    model.eval()
    with_meta = str(root / 'with_meta.pth')
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=META_NAMES))), with_meta)
    without_meta = str(root / 'without_meta.pth')
    torch.save(dict(state_dict=model.state_dict()), without_meta)
    label_file = root / 'labels.txt'
    label_file.write_text(''.join(f'{name}\n' for name in FILE_NAMES))

    ann_file = root / 'test.txt'
    ann_file.write_text(f'{VIDEO} 0\n')
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.update(
        ann_file=str(ann_file), data_prefix=dict(video=VIDEO_DIR))
    sample = DATASETS.build(dataset_cfg)[0]
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(
                inputs=[sample['inputs']],
                data_samples=[sample['data_samples']]))
        scores = model(**data, mode='predict')[0].pred_score
    return dict(
        config=config,
        with_meta=with_meta,
        without_meta=without_meta,
        label_file=str(label_file),
        scores=scores,
        grid=sample['inputs'][0],
        root=root)


def run_demo(*args):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run([sys.executable, DEMO, *args],
                            cwd=REPO_ROOT,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def ranked(stdout):
    """``[(name, score)]`` of the ``rank. name: score`` lines, checking the
    ranks are 1, 2, ..."""
    matches = [LINE.match(line) for line in stdout.splitlines()]
    matches = [m for m in matches if m]
    assert [int(m.group(1))
            for m in matches] == list(range(1,
                                            len(matches) + 1))
    return [(m.group(2), float(m.group(3))) for m in matches]


def check_top5(lines, names, scores):
    assert len(lines) == 5
    order = torch.argsort(scores, descending=True)[:5].tolist()
    assert [name for name, _ in lines] == [names[i] for i in order]
    printed = np.array([score for _, score in lines])
    np.testing.assert_allclose(printed, scores[order].numpy(), atol=1e-4)
    assert np.all(np.diff(printed) <= 0)
    assert printed.sum() <= 1.0


def test_demo_prints_the_top5_with_names_from_the_label_file(tiny):
    result = run_demo(tiny['config'], tiny['with_meta'], video_path(VIDEO),
                      tiny['label_file'], '--device', 'cpu')
    check_top5(ranked(result.stdout), FILE_NAMES, tiny['scores'])


def test_demo_names_from_the_checkpoint_and_writes_the_grid(tiny):
    out = tiny['root'] / 'out' / 'grid.png'
    result = run_demo(tiny['config'], tiny['with_meta'], video_path(VIDEO),
                      '--device', 'cpu', '--out-filename', str(out))
    check_top5(ranked(result.stdout), META_NAMES, tiny['scores'])

    image = cv2.imread(str(out))
    grid = tiny['grid'].permute(1, 2, 0).numpy()[..., ::-1]  # RGB -> BGR
    assert image.shape == grid.shape == (32, 32, 3)
    # the labels are drawn on the video's grid: changed, not replaced
    changed = np.abs(image.astype(int) - grid.astype(int)).max(-1) > 8
    assert 0 < changed.mean() < 1


def load_demo_module():
    spec = importlib.util.spec_from_file_location('scfa_demo', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_without_names_prints_class_indices(tiny, capsys, monkeypatch):
    demo = load_demo_module()
    # the checkpoint loads weights-only; keep MMEngine's loader as it is
    monkeypatch.setattr(demo, 'use_checkpoint_loader', lambda: None)
    demo.main([
        tiny['config'], tiny['without_meta'],
        video_path(VIDEO), '--device', 'cpu'
    ])
    captured = capsys.readouterr()
    check_top5(
        ranked(captured.out), [f'class {i}' for i in range(NUM_CLASSES)],
        tiny['scores'])
    assert 'No class names: pass a label file' in captured.err


def test_demo_refuses_a_label_file_of_another_length(tiny, monkeypatch):
    demo = load_demo_module()
    monkeypatch.setattr(demo, 'use_checkpoint_loader', lambda: None)
    short = tiny['root'] / 'six_labels.txt'
    short.write_text(''.join(f'{name}\n' for name in FILE_NAMES[:6]))
    with pytest.raises(ValueError, match='6 class names.*7 classes'):
        demo.main([
            tiny['config'], tiny['with_meta'],
            video_path(VIDEO),
            str(short), '--device', 'cpu'
        ])


def test_demo_pipeline_reads_a_video_in_place_of_a_frame_cache():
    demo = load_demo_module()
    cache = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'scfa',
                 'scfa_r50_4xb16-100e_hmdb51_cache.py'))
    assert cache.test_dataloader.dataset.pipeline[0].type == 'FramePackInit'
    pipeline = demo.video_pipeline(cache)
    assert pipeline[0]['type'] in ('VideoInit', 'CheckedDecordInit')
    types = [t['type'] for t in pipeline]
    assert types[1:] == [
        t.type for t in cache.test_dataloader.dataset.pipeline[1:]
    ]
    video = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'scfa_hmdb51.py'))
    assert demo.video_pipeline(video) == [
        dict(t) for t in video.test_dataloader.dataset.pipeline
    ]
