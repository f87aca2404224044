"""The synthetic temporal-action generator and the demo config."""
import os
import subprocess
import sys

import decord
import numpy as np
import pytest

from .conftest import REPO_ROOT
from .test_training import run_tool

SCRIPT = os.path.join(REPO_ROOT, 'tools', 'data', 'make_synthetic.py')


def generate(out, *extra):
    subprocess.run([
        sys.executable, SCRIPT, '--out',
        str(out), '--num-videos', '24', '--max-frames', '60', '--workers', '1',
        *extra
    ],
                   check=True,
                   capture_output=True,
                   text=True)
    return out


def read_list(path):
    return [line.split() for line in open(path).read().splitlines()]


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    return generate(tmp_path_factory.mktemp('synthetic'))


def test_lists_cover_every_class_and_are_disjoint(dataset):
    names = open(dataset / 'classnames.txt').read().split()
    assert len(names) == 8
    splits = {
        s: read_list(dataset / f'{s}.txt')
        for s in ('train', 'val', 'test')
    }
    seen = [path for rows in splits.values() for path, _ in rows]
    assert len(seen) == len(set(seen)) == 24  # disjoint, nothing dropped
    for rows in splits.values():
        assert {int(label) for _, label in rows} == set(range(8))
        for path, label in rows:
            assert path.split('/')[0] == names[int(label)]
    pairs = [
        line.split()
        for line in open(dataset / 'reversed_pairs.txt').read().splitlines()
    ]
    assert ['move_right', 'move_left'] in pairs and len(pairs) == 4


def test_every_video_decodes(dataset):
    for split in ('train', 'val', 'test'):
        for path, _ in read_list(dataset / f'{split}.txt'):
            reader = decord.VideoReader(str(dataset / 'videos' / path))
            assert 10 <= len(reader) <= 60
            frame = reader[len(reader) - 1].asnumpy()
            assert frame.ndim == 3 and frame.std() > 0


def object_track(path):
    """Per frame: centroid x, area and centroid y of the pixels that
    differ from the background, estimated as the median frame over time,
    and the frame's edge energy (mean gradient magnitude: the object's
    edges add to it as it becomes visible)."""
    frames = decord.VideoReader(str(path)).get_batch(
        list(range(len(decord.VideoReader(str(path)))))).asnumpy()
    frames = frames.astype(np.float32)
    background = np.median(frames, axis=0)
    masks = np.abs(frames - background).max(-1) > 40
    area = masks.sum((1, 2))
    xs = np.arange(frames.shape[2])[None, None, :]
    ys = np.arange(frames.shape[1])[None, :, None]
    centroid_x = (masks * xs).sum((1, 2)) / np.maximum(area, 1)
    centroid_y = (masks * ys).sum((1, 2)) / np.maximum(area, 1)
    gray = frames.mean(-1)
    edges = np.abs(np.diff(gray, axis=1)).mean((1, 2)) + \
        np.abs(np.diff(gray, axis=2)).mean((1, 2))
    return centroid_x, area, centroid_y, edges


def trend(values):
    return np.polyfit(np.arange(len(values)), values, 1)[0]


@pytest.mark.parametrize('forward, backward, measure', [
    ('move_right', 'move_left', 0),
    ('grow', 'shrink', 1),
    ('move_down', 'move_up', 2),
    ('appear', 'disappear', 3),
])
def test_labels_match_the_motion(dataset, forward, backward, measure):
    for name, sign in ((forward, 1), (backward, -1)):
        videos = sorted((dataset / 'videos' / name).glob('*.mp4'))
        assert videos
        for video in videos:
            slope = trend(object_track(video)[measure])
            assert np.sign(slope) == sign, (video, slope)


def test_same_seed_same_lists(dataset, tmp_path):
    again = generate(tmp_path / 'again')
    other = generate(tmp_path / 'other', '--seed', '1')
    for name in ('train.txt', 'val.txt', 'test.txt', 'classnames.txt'):
        assert (again / name).read_bytes() == (dataset / name).read_bytes()
    assert (other / 'train.txt').read_bytes() != \
        (dataset / 'train.txt').read_bytes()


def test_demo_config_smoke_run(dataset, tmp_path):
    options = []
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.dataset.ann_file='
            f'{dataset}/{split}.txt',
            f'{split}_dataloader.dataset.data_prefix.video='
            f'{dataset}/videos', f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    output = run_tool([
        sys.executable, 'tools/train.py', 'configs/scfa_synthetic.py',
        '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *options,
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1'
    ], REPO_ROOT)
    assert 'Epoch(train) [1][1/1]' in output
    assert 'acc/top1' in output
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
