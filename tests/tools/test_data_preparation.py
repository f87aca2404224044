"""HMDB51 and Penn Action preparation, on small fabricated copies of the
official layouts (real .avi, .jpg and .mat files)."""
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine import Config
from scipy.io import savemat

from ..conftest import REPO_ROOT

HMDB_CLASSES = ['wave', 'brush_hair', 'cartwheel']  # not in label order
PENN_CLASSES = ['tennis_serve', 'baseball_pitch']


def write_avi(path, num_frames=12):
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10, (64, 48))
    for t in range(num_frames):
        writer.write(np.full((48, 64, 3), 10 * t, np.uint8))
    writer.release()


def run(script, *args):
    return subprocess.run(
        [sys.executable, f'{REPO_ROOT}/tools/data/{script}', *map(str, args)],
        capture_output=True,
        text=True)


@pytest.fixture
def hmdb51(tmp_path):
    """3 classes x 3 videos; in split k video (k-1) is unused, the next
    one test and the last one train."""
    root = tmp_path / 'hmdb51'
    for name in HMDB_CLASSES:
        for index in range(3):
            write_avi(root / 'videos' / name / f'{name}_v{index}.avi')
        for split in (1, 2, 3):
            uses = ['1', '1', '1']
            uses[split - 1] = '0'
            uses[split % 3] = '2'
            lines = [f'{name}_v{i}.avi {use} \n' for i, use in enumerate(uses)]
            split_file = (
                root / 'testTrainMulti_7030_splits' /
                f'{name}_test_split{split}.txt')
            split_file.parent.mkdir(parents=True, exist_ok=True)
            split_file.write_text(''.join(lines))
    return root


def prepare_hmdb51(root, *extra):
    return run('hmdb51/prepare.py', '--videos', root / 'videos', '--splits',
               root / 'testTrainMulti_7030_splits', '--out', root / 'lists',
               *extra)


def test_hmdb51_lists(hmdb51):
    done = prepare_hmdb51(hmdb51)
    assert done.returncode == 0, done.stderr
    lists = hmdb51 / 'lists'
    assert (lists /
            'classnames.txt').read_text().split() == sorted(HMDB_CLASSES)
    for split in (1, 2, 3):
        train = (
            lists /
            f'hmdb51_train_split_{split}_videos.txt').read_text().splitlines()
        val = (
            lists /
            f'hmdb51_val_split_{split}_videos.txt').read_text().splitlines()
        for label, name in enumerate(sorted(HMDB_CLASSES)):
            uses = ['1', '1', '1']
            uses[split - 1] = '0'
            uses[split % 3] = '2'
            for index, use in enumerate(uses):
                line = f'{name}/{name}_v{index}.avi {label}'
                assert (line in train) == (use == '1')
                assert (line in val) == (use == '2')
        assert len(train) == 3 and len(val) == 3


def test_hmdb51_is_idempotent(hmdb51):
    prepare_hmdb51(hmdb51)
    first = {p.name: p.read_bytes() for p in (hmdb51 / 'lists').iterdir()}
    prepare_hmdb51(hmdb51)
    second = {p.name: p.read_bytes() for p in (hmdb51 / 'lists').iterdir()}
    assert first == second and len(first) == 7


def test_hmdb51_missing_and_extra_videos_are_named(hmdb51):
    (hmdb51 / 'videos' / 'wave' / 'wave_v2.avi').unlink()
    write_avi(hmdb51 / 'videos' / 'wave' / 'wave_bonus.avi')
    done = prepare_hmdb51(hmdb51)
    assert done.returncode != 0
    assert 'missing: wave/wave_v2.avi' in done.stderr
    assert 'extra: wave/wave_bonus.avi' in done.stderr
    assert not (hmdb51 / 'lists').exists()
    done = prepare_hmdb51(hmdb51, '--skip-missing')
    assert done.returncode == 0
    assert 'missing: wave/wave_v2.avi' in done.stderr
    lists = ''.join(p.read_text() for p in (hmdb51 / 'lists').glob('*split*'))
    assert 'wave_v2' not in lists and 'wave_bonus' not in lists


def test_hmdb51_config_loads_a_prepared_sample(hmdb51):
    prepare_hmdb51(hmdb51)
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/scfa_hmdb51.py')
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.ann_file = str(hmdb51 / 'lists' /
                               'hmdb51_train_split_1_videos.txt')
    dataset_cfg.data_prefix = dict(video=str(hmdb51 / 'videos'))
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 3
    sample = dataset[0]
    assert sample['inputs'].shape == (2, 3, 224, 224)
    assert sample['data_samples'].gt_label.item() == 0


@pytest.fixture
def penn_action(tmp_path):
    """Three videos: ids 0001 (train), 0002 (test), 0003 (train)."""
    root = tmp_path / 'Penn_Action'
    videos = [('0001', 'tennis_serve', 1, 7),
              ('0002', 'baseball_pitch', -1, 5),
              ('0003', 'baseball_pitch', 1, 6)]
    for video_id, action, train, nframes in videos:
        frame_dir = root / 'frames' / video_id
        frame_dir.mkdir(parents=True)
        for index in range(1, nframes + 1):
            cv2.imwrite(
                str(frame_dir / f'{index:06d}.jpg'),
                np.full((48, 64, 3), 20 * index, np.uint8))
        (root / 'labels').mkdir(exist_ok=True)
        savemat(
            str(root / 'labels' / f'{video_id}.mat'),
            dict(
                action=action,
                pose='unused',
                train=train,
                nframes=nframes,
                dimensions=np.array([48, 64, nframes])))
    return root


def prepare_penn(root, *extra):
    return run('penn_action/prepare.py', '--root', root, '--out',
               root.parent / 'lists', *extra)


def test_penn_action_lists_and_mp4s(penn_action):
    decord = pytest.importorskip('decord')  # x86-64 Linux wheels only
    done = prepare_penn(penn_action, '--encode-mp4')
    assert done.returncode == 0, done.stderr
    lists = penn_action.parent / 'lists'
    assert (lists /
            'classnames.txt').read_text().split() == sorted(PENN_CLASSES)
    train = (lists / 'penn_action_train_list_rawframes.txt').read_text()
    test = (lists / 'penn_action_test_list_rawframes.txt').read_text()
    assert train.splitlines() == ['0001 7 1', '0003 6 0']
    assert test.splitlines() == ['0002 5 0']
    assert (lists / 'penn_action_test_list_videos.txt').read_text() == \
        '0002.mp4 0\n'
    for video_id, frames in (('0001', 7), ('0002', 5), ('0003', 6)):
        reader = decord.VideoReader(str(lists / 'videos' / f'{video_id}.mp4'))
        assert len(reader) == frames
    before = {p.name: p.read_bytes() for p in lists.glob('*.txt')}
    assert prepare_penn(penn_action, '--encode-mp4').returncode == 0
    assert before == {p.name: p.read_bytes() for p in lists.glob('*.txt')}


def test_penn_action_frame_count_mismatch_names_the_video(penn_action):
    (penn_action / 'frames' / '0003' / '000006.jpg').unlink()
    done = prepare_penn(penn_action)
    assert done.returncode != 0
    assert 'video 0003: 5 frames' in done.stderr
    assert 'nframes=6' in done.stderr
    assert not (penn_action.parent / 'lists').exists()


def test_penn_action_unreadable_mat_names_the_video(penn_action):
    (penn_action / 'labels' / '0002.mat').write_bytes(b'not a mat file')
    done = prepare_penn(penn_action)
    assert done.returncode != 0
    assert 'video 0002: cannot read' in done.stderr


def test_penn_action_config_loads_a_prepared_sample(penn_action):
    assert prepare_penn(penn_action).returncode == 0
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/scfa/scfa_r50_4xb16-100e_penn-action.py')
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.ann_file = str(penn_action.parent / 'lists' /
                               'penn_action_train_list_rawframes.txt')
    dataset_cfg.data_prefix = dict(img=str(penn_action / 'frames'))
    dataset = DATASETS.build(dataset_cfg)
    sample = dataset[0]
    assert sample['inputs'].shape == (2, 3, 224, 224)
    assert sample['data_samples'].gt_label.item() == 1


def test_training_without_data_names_the_path_and_the_command(tmp_path):
    done = subprocess.run([
        sys.executable, f'{REPO_ROOT}/tools/train.py',
        f'{REPO_ROOT}/configs/scfa_hmdb51.py'
    ],
                          cwd=tmp_path,
                          capture_output=True,
                          text=True)
    assert done.returncode != 0
    assert 'FileNotFoundError' in done.stderr
    assert "'data/hmdb51/hmdb51_train_split_1_videos.txt'" in done.stderr
    assert 'tools/data/hmdb51/prepare.py' in done.stderr
    assert not (tmp_path / 'work_dirs').exists()


def write_phase_labels(root, split, action, video_id, labels):
    folder = root / split / action
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f'{video_id}.npy', np.asarray(labels))


def test_penn_action_phase_label_lists(penn_action):
    labels = penn_action.parent / 'frame_labels'
    # baseball_pitch has labels, tennis_serve (video 0001) has none
    write_phase_labels(labels, 'train', 'baseball_pitch', '0003',
                       [0, 0, 1, 1, 2, 2])
    write_phase_labels(labels, 'val', 'baseball_pitch', '0002',
                       [0, 1, 1, 2, 2])
    done = prepare_penn(penn_action, '--frame-labels', labels)
    assert done.returncode == 0, done.stderr
    assert 'no phase labels for tennis_serve' in done.stdout
    lists = penn_action.parent / 'lists'
    assert (lists / 'penn_action_train_list_rawframes_phases.txt'
            ).read_text() == '0003 6 0\n'
    assert (lists / 'penn_action_test_list_rawframes_phases.txt'
            ).read_text() == '0002 5 0\n'
    # the CARL config reads a prepared video with its labels
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/carl/carl_r50-transformer_4xb1-300e_'
        'penn-action.py')
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.ann_file = str(lists /
                               'penn_action_test_list_rawframes_phases.txt')
    dataset_cfg.data_prefix = dict(img=str(penn_action / 'frames'))
    dataset_cfg.pipeline[2].label_root = str(labels)
    sample = DATASETS.build(dataset_cfg)[0]
    assert sample['inputs'].shape == (1, 3, 5, 224, 224)
    np.testing.assert_array_equal(
        sample['data_samples'].frame_labels.reshape(-1), [0, 1, 1, 2, 2])


def test_penn_action_bad_phase_labels_are_named(penn_action):
    labels = penn_action.parent / 'frame_labels'
    write_phase_labels(labels, 'train', 'baseball_pitch', '0003', [0, 1])
    write_phase_labels(labels, 'test', 'baseball_pitch', '0099', [0])
    done = prepare_penn(penn_action, '--frame-labels', labels)
    assert done.returncode != 0
    assert 'video 0003: 2 phase labels' in done.stderr
    assert 'nframes=6' in done.stderr
    assert 'video 0002 (baseball_pitch): no phase labels' in done.stderr
    assert not (penn_action.parent / 'lists').exists()
