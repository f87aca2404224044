"""UCF101 list preparation on a small fabricated copy of the official
layout (empty .avi files: the tool only lists them)."""
import subprocess
import sys

import pytest

from ..conftest import REPO_ROOT

# classInd order on purpose not alphabetical: labels must follow classInd
CLASS_IND = {1: 'YoYo', 2: 'ApplyEyeMakeup', 3: 'Basketball'}
# (class, group, clip) of each fabricated video
VIDEOS = [(name, group, clip) for name in CLASS_IND.values()
          for group, clip in ((1, 1), (2, 1), (8, 2))]


def video_name(name, group, clip):
    return f'{name}/v_{name}_g{group:02d}_c{clip:02d}.avi'


def is_test_group(group, split):
    """Group ``split`` is the test group of split ``split``; 8 always
    trains."""
    return group == split


@pytest.fixture
def ucf101(tmp_path):
    root = tmp_path / 'ucf101'
    for video in VIDEOS:
        path = root / 'UCF-101' / video_name(*video)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b'')
    lists = root / 'ucfTrainTestlist'
    lists.mkdir()
    # the official files end their lines with CRLF
    (lists / 'classInd.txt').write_text(''.join(
        f'{index} {name}\r\n' for index, name in CLASS_IND.items()))
    index_of = {name: index for index, name in CLASS_IND.items()}
    for split in (1, 2, 3):
        train = [
            f'{video_name(*v)} {index_of[v[0]]}\r\n' for v in VIDEOS
            if not is_test_group(v[1], split)
        ]
        test = [
            f'{video_name(*v)}\r\n' for v in VIDEOS
            if is_test_group(v[1], split)
        ]
        (lists / f'trainlist0{split}.txt').write_text(''.join(train))
        (lists / f'testlist0{split}.txt').write_text(''.join(test))
    return root


def prepare(root, *extra):
    return subprocess.run([
        sys.executable, f'{REPO_ROOT}/tools/data/ucf101/prepare.py',
        '--videos', root / 'UCF-101', '--splits', root / 'ucfTrainTestlist',
        '--out', root / 'lists', *extra
    ],
                          capture_output=True,
                          text=True)


def read(root, subset, split):
    path = root / 'lists' / f'ucf101_{subset}_split_{split}_videos.txt'
    return path.read_text().splitlines()


def test_labels_follow_class_ind(ucf101):
    done = prepare(ucf101)
    assert done.returncode == 0, done.stderr
    # classInd: 1 YoYo, 2 ApplyEyeMakeup, 3 Basketball -> labels 0, 1, 2
    assert (ucf101 / 'lists' / 'classnames.txt').read_text().split() == [
        'YoYo', 'ApplyEyeMakeup', 'Basketball'
    ]
    assert read(ucf101, 'val', 1) == [
        'YoYo/v_YoYo_g01_c01.avi 0',
        'ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi 1',
        'Basketball/v_Basketball_g01_c01.avi 2',
    ]
    assert 'Basketball/v_Basketball_g08_c02.avi 2' in read(ucf101, 'train', 3)


def test_split_counts(ucf101):
    done = prepare(ucf101)
    assert done.returncode == 0, done.stderr
    for split in (1, 2):  # one of the 3 groups tests, two train
        assert len(read(ucf101, 'train', split)) == 2 * 3
        assert len(read(ucf101, 'val', split)) == 1 * 3
    # no video has group 3: split 3 trains on all, tests on none
    assert len(read(ucf101, 'train', 3)) == 9
    assert read(ucf101, 'val', 3) == []
    assert 'split 1 train: 6 videos' in done.stdout


def test_missing_video_is_named_with_its_list_line(ucf101):
    (ucf101 / 'UCF-101' / video_name('ApplyEyeMakeup', 2, 1)).unlink()
    done = prepare(ucf101)
    assert done.returncode != 0
    # trainlist01: YoYo g02, YoYo g08, then ApplyEyeMakeup g02 (line 3)
    assert ('trainlist01.txt:3: ApplyEyeMakeup/v_ApplyEyeMakeup_g02_c01.avi'
            in done.stderr)
    assert 'testlist02.txt:2:' in done.stderr
    assert '--skip-missing' in done.stderr
    assert not (ucf101 / 'lists').exists()

    skipped = prepare(ucf101, '--skip-missing')
    assert skipped.returncode == 0, skipped.stderr
    assert 'missing: ' in skipped.stderr
    assert len(read(ucf101, 'train', 1)) == 5
    assert read(ucf101, 'val', 2) == [
        'YoYo/v_YoYo_g02_c01.avi 0', 'Basketball/v_Basketball_g02_c01.avi 2'
    ]


def test_class_not_in_class_ind_is_an_error(ucf101):
    testlist = ucf101 / 'ucfTrainTestlist' / 'testlist01.txt'
    testlist.write_bytes(testlist.read_bytes() +
                         b'Surfing/v_Surfing_g01_c01.avi\r\n')
    done = prepare(ucf101)
    assert done.returncode != 0
    assert "testlist01.txt:4: class 'Surfing'" in done.stderr
    assert 'classInd.txt' in done.stderr


def test_train_label_disagreeing_with_class_ind_is_an_error(ucf101):
    trainlist = ucf101 / 'ucfTrainTestlist' / 'trainlist02.txt'
    text = trainlist.read_bytes().decode()  # CRLF kept
    assert text.startswith('YoYo/v_YoYo_g01_c01.avi 1\r\n')
    trainlist.write_bytes(text.replace(' 1\r\n', ' 3\r\n', 1).encode())
    done = prepare(ucf101)
    assert done.returncode != 0
    assert 'trainlist02.txt:1:' in done.stderr
    assert "'YoYo' index 1" in done.stderr
