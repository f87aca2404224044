"""tools/analysis/gpu_acceptance.py: its CPU smoke mode end to end, the
input shapes it trains on against the configs' real pipelines, and its
answer on a machine without a GPU."""
import glob
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from ..conftest import REPO_ROOT

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'gpu_acceptance.py')
CLIP = osp.join(REPO_ROOT, '..', 'shared', 'data', 'videos',
                'clip_340x256_300f.mp4')


def load_tool():
    spec = importlib.util.spec_from_file_location('gpu_acceptance', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('key', ['scfa', 'cvrl', 'vivit', 'tsn'])
def test_random_inputs_have_the_shape_of_the_real_pipeline(key):
    tool = load_tool()
    case = next(case for case in tool.METHODS if case.key == key)
    init_default_scope('mmaction')
    cfg = tool.load_method_config(case)
    shape = case.input_shape(cfg)
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    packed = pipeline(
        dict(filename=CLIP, label=0, start_index=0, modality='RGB'))
    assert tuple(packed['inputs'].shape) == shape
    assert packed['inputs'].dtype == torch.uint8


def run_smoke(out_dir, sections):
    return subprocess.Popen([
        sys.executable, TOOL, '--smoke', '--out',
        str(out_dir), '--sections', *sections
    ],
                            cwd=REPO_ROOT,
                            env=dict(os.environ, OMP_NUM_THREADS='1'),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)


def test_smoke_mode_runs_every_section_and_its_figures_add_up(tmp_path):
    # the sections in two processes at once: the suite's time is short
    # (the command runs them all by default)
    first = run_smoke(tmp_path / 'a', ['models', 'distributed'])
    second = run_smoke(tmp_path / 'b', ['carl_video', 'augment', 'runner'])
    report = {}
    for process, out_dir in ((first, tmp_path / 'a'), (second,
                                                       tmp_path / 'b')):
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-4000:]
        part = json.loads((out_dir / 'report.json').read_text())
        assert part['errors'] == {} and part['smoke']
        report.update(part)

    # every method in every precision, the channels-last row for the
    # convolutional ones; two videos of tiny inputs each
    rows = report['models']['rows']
    expected = {
        (name, precision)
        for name in ('SCFA R50', 'CVRL R3D-50', 'CARL R50 + Transformer',
                     'ViViT-B', 'TSN R50 (MMAction2)')
        for precision in ('fp32', 'bf16', 'bf16-cl')
    }
    expected.remove(('ViViT-B', 'bf16-cl'))
    assert {(row['method'], row['precision']) for row in rows} == expected
    shapes = {row['method']: tuple(row['input_shape']) for row in rows}
    # the configs' views, clips and segments at the smoke sizes
    assert shapes == {
        'SCFA R50': (2, 3, 32, 32),
        'CVRL R3D-50': (2, 3, 4, 32, 32),
        'CARL R50 + Transformer': (2, 3, 4, 32, 32),
        'ViViT-B': (1, 3, 4, 32, 32),
        'TSN R50 (MMAction2)': (3, 3, 32, 32),
    }
    # grids or segments per video, or the frames of its clips
    images = {
        'SCFA R50': 2,
        'CVRL R3D-50': 8,
        'CARL R50 + Transformer': 8,
        'ViViT-B': 4,
        'TSN R50 (MMAction2)': 3
    }
    for row in rows:
        assert row['batch'] == 2 and row['losses_finite'], row
        assert row['images_per_video'] == images[row['method']]
        assert row['videos_per_s'] == pytest.approx(
            2 / (row['step_ms_median'] / 1e3))
        assert row['images_per_s'] == pytest.approx(row['videos_per_s'] *
                                                    row['images_per_video'])
        # CVRL and CARL augment on the device, inside the timed steps
        augments = row['method'].startswith(('CVRL', 'CARL'))
        assert (row['augment_ms_median'] is not None) == augments, row
        if augments:
            assert 0 < row['augment_ms_median'] < row['step_ms_median']
        if row['precision'] != 'fp32':
            fp32 = next(
                r for r in rows
                if r['method'] == row['method'] and r['precision'] == 'fp32')
            assert row['first_loss_abs_diff_vs_fp32'] == pytest.approx(
                abs(row['first_loss'] - fp32['first_loss']))

    # the gather's gradient, by hand: rank r weighs slice s by
    # (r + 1)(s + 2), so its rows get sum over q of (q + 1)(r + 2)
    distributed = report['distributed']
    assert distributed['backend'] == 'gloo'
    world = distributed['world_size']
    assert world == 2 and distributed['gather']['values_ok']
    assert distributed['gather']['gradient_per_rank'] == [
        sum((q + 1) * (r + 2) for q in range(world)) for r in range(world)
    ]
    assert distributed['unequal_rows_raised'] is True

    # chunking a whole video does not change its frame embeddings
    carl = report['carl_video']['rows']
    assert {row['chunk_size'] for row in carl} == {4, 8, 24, 40}
    for row in carl:
        assert row['embedding_shape'][0] == 24
        limit = 1e-5 if row['precision'] == 'fp32' else 5e-2
        assert row['max_diff_vs_first'] < limit, row

    # the augmentation section: both methods, the smoke sizes' crop, the
    # same output on the same device
    augment = {row['method']: row for row in report['augment']['rows']}
    assert set(augment) == {'CVRL R3D-50', 'CARL R50 + Transformer'}
    for row in augment.values():
        assert row['output_shape'] == [2, 3, 4, 24, 24]
        assert row['max_abs_diff'] == 0 and row['ms_per_batch'] > 0

    # the Runner trained, then tested every video of the test list
    runner = report['runner']
    cache = tmp_path / 'b' / 'runner' / 'synthetic' / 'frame_cache'
    with open(cache / 'test.txt') as f:
        assert runner['test_predictions'] == sum(1 for line in f
                                                 if line.strip())
    assert glob.glob(str(tmp_path / 'b' / 'runner' / 'train' / 'epoch_1.pth'))
    assert 0 <= runner['data_fraction'] <= 1
    assert runner['amp'] is False  # --amp needs a GPU
    markdown = (tmp_path / 'a' / 'report.md').read_text() + (
        tmp_path / 'b' / 'report.md').read_text()
    for heading in ('## Training steps of every method',
                    '## End to end through the Runner', '## torch.distributed',
                    '## CARL: a whole video at test time',
                    '## CVRL and CARL: augmentation on the device'):
        assert heading in markdown


def test_without_a_gpu_the_default_run_says_so_in_one_line():
    # no GPU visible, whatever the machine has
    done = subprocess.run([sys.executable, TOOL],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, CUDA_VISIBLE_DEVICES=''),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and 'sees no GPU' in lines[0] \
        and '--smoke' in lines[0], done.stderr


def test_a_batch_that_does_not_fit_is_halved_and_reported(
        monkeypatch, tmp_path):
    tool = load_tool()
    tried = []

    def fake_steps(model, cfg, data, precision, sizes, device, compile_):
        batch = len(data['inputs'])
        tried.append(batch)
        if batch > 1:
            raise torch.cuda.OutOfMemoryError('CUDA out of memory')
        return dict(
            first_loss=1.0,
            losses_finite=True,
            first_step_ms=20.0,
            step_ms=[10.0, 30.0, 20.0],
            augment_ms=None,
            peak_gib=None)

    monkeypatch.setattr(tool, 'train_steps', fake_steps)
    sizes = tool.Sizes(**dict(tool.SMOKE.__dict__, batch=4))
    [row] = tool.run_method(tool.METHODS[0], sizes, 'cpu', ['fp32'])
    assert tried == [4, 2, 1]
    assert row['batch'] == 1 and row['out_of_memory_at'] == [4, 2]
    assert row['step_ms_median'] == 20.0 and row['videos_per_s'] == 50.0
    report = dict(
        environment=dict(
            cpu_cores=2,
            torch='x',
            torch_cuda=None,
            cudnn=None,
            mmengine='x',
            mmaction='x',
            python='x',
            date='today'),
        command='c',
        seconds=1.0,
        models=dict(rows=[row]))
    tool.write_markdown(report, tmp_path / 'report.md')
    # the batch used, the config's, and the ones that did not fit
    assert '| 1 (64) OOM at 4, 2 |' in (tmp_path / 'report.md').read_text()
