"""tools/data/check_videos.py on real clips, broken copies and frame
folders."""
import importlib.util
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from ..conftest import REPO_ROOT, VIDEOS, video_path

SCRIPT = osp.join(REPO_ROOT, 'tools', 'data', 'check_videos.py')


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)],
                          capture_output=True,
                          text=True,
                          timeout=300)


def load_tool(monkeypatch):
    """The tool as a module of this process, named so that the worker
    pool can pickle its functions."""
    spec = importlib.util.spec_from_file_location('check_videos', SCRIPT)
    tool = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, 'check_videos', tool)
    spec.loader.exec_module(tool)
    return tool


def test_broken_videos_are_named_and_left_out(tmp_path):
    for name in VIDEOS:
        shutil.copy(video_path(name), tmp_path / name)
    good = video_path('clip_340x256_300f.mp4')
    data = open(good, 'rb').read()
    (tmp_path / 'truncated.mp4').write_bytes(data[:len(data) // 3])
    (tmp_path / 'empty.mp4').write_bytes(b'')
    lines = [f'{name} 0' for name in VIDEOS]
    lines[1:1] = ['truncated.mp4 1', 'missing.mp4 1', 'empty.mp4 0']
    ann_file = tmp_path / 'train.txt'
    ann_file.write_text('\n'.join(lines) + '\n')

    # configs/scfa_hmdb51.py samples 16 frames per view: all clips suffice
    done = run(ann_file, '--data-prefix', tmp_path, '--nproc', 2, '--config',
               osp.join(REPO_ROOT, 'configs', 'scfa_hmdb51.py'))
    assert done.returncode == 1, done.stdout + done.stderr
    report = (tmp_path / 'train.report.txt').read_text().splitlines()
    assert [line.split(':')[0] for line in report] == \
        ['line 2', 'line 3', 'line 4']
    assert 'truncated.mp4: cannot decode' in report[0]
    assert 'missing.mp4: file not found' in report[1]
    assert 'empty.mp4: cannot decode' in report[2]
    clean = (tmp_path / 'train.clean.txt').read_text().splitlines()
    assert clean == [f'{name} 0' for name in VIDEOS]

    # the cleaned list passes; a stricter frame count catches the short clip
    assert run(tmp_path / 'train.clean.txt', '--data-prefix',
               tmp_path).returncode == 0
    done = run(tmp_path / 'train.clean.txt', '--data-prefix', tmp_path,
               '--min-frames', 100, '--out-dir', tmp_path / 'strict')
    assert done.returncode == 1
    report = (tmp_path / 'strict' / 'train.clean.report.txt').read_text()
    assert report == (f'line 4: {tmp_path}/short_340x256_32f.mp4: '
                      '32 frames, fewer than the 100 needed\n')


def test_frame_folders_must_hold_the_listed_frames(tmp_path):
    for folder, count in (('a', 5), ('b', 4)):
        (tmp_path / folder).mkdir()
        for index in range(1, count + 1):
            (tmp_path / folder / f'img_{index:05}.jpg').write_bytes(b'x')
    ann_file = tmp_path / 'frames.txt'
    ann_file.write_text('a 5 0\nb 5 1\nc 3 0\n')
    done = run(ann_file, '--data-prefix', tmp_path, '--rawframes')
    assert done.returncode == 1
    report = (tmp_path / 'frames.report.txt').read_text().splitlines()
    assert report == [
        f'line 2: {tmp_path}/b: 1 of the 5 listed frames missing '
        '(first: img_00005.jpg)', f'line 3: {tmp_path}/c: folder not found'
    ]
    assert (tmp_path / 'frames.clean.txt').read_text() == 'a 5 0\n'


def test_without_decord_the_data_tools_say_so_once(tmp_path):
    listing = tmp_path / 'list.txt'
    listing.write_text(''.join(f'{name} 0\n' for name in VIDEOS))
    arguments = {
        'check_videos.py': [str(listing)],
        'build_frame_cache.py': [str(listing), '--out',
                                 str(tmp_path / 'out')]
    }
    for tool, args in arguments.items():
        code = ("import runpy, sys; sys.modules['decord'] = None; "
                f'sys.argv = {[tool, *args]!r}; '
                f"runpy.run_path('tools/data/{tool}', run_name='__main__')")
        done = subprocess.run([sys.executable, '-c', code],
                              cwd=REPO_ROOT,
                              capture_output=True,
                              text=True,
                              timeout=120)
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip().endswith(
            f'{tool} reads videos with decord: pip install decord (wheels '
            'for x86-64 Linux only)'), done.stderr
        assert 'cannot decode' not in done.stdout + done.stderr


def test_list_errors_are_bad_entries_as_in_training(tmp_path, monkeypatch):
    shutil.copy(video_path('short_340x256_32f.mp4'), tmp_path / 'a.mp4')
    lines = [
        '\ufeffa.mp4 0', 'a.mp4 0', 'b.mp4\t1', 'a.mp4  1', 'a.mp4 x', '',
        'a.mp4 0', '../etc/passwd 0'
    ]
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('\n'.join(lines) + '\n')
    monkeypatch.setattr(sys, 'argv', [
        SCRIPT,
        str(ann_file), '--data-prefix',
        str(tmp_path), '--nproc', '1'
    ])
    # in this process (no second start-up)
    tool = load_tool(monkeypatch)
    assert tool.main() == 1
    report = (tmp_path / 'list.report.txt').read_text().splitlines()
    assert report == [
        "line 1: '\\ufeffa.mp4 0': starts with a UTF-8 byte-order mark, "
        'which training reads as part of the path; save the list as UTF-8 '
        "without BOM (sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)",
        "line 3: 'b.mp4\\t1': whitespace other than single spaces between "
        'fields (MMAction2 would read the whole line as one file name)',
        "line 4: 'a.mp4  1': empty field: ' ' repeated (MMAction2 splits on "
        'each one)', "line 5: 'a.mp4 x': label 'x' is not an integer",
        'line 6: blank line (training reads it as an entry)',
        "line 7: 'a.mp4 0': duplicate of line 2 (the sample would count "
        'twice)', "line 8: '../etc/passwd 0': path outside the data prefix "
        f"'{tmp_path}' (allow with the config key "
        'allow_paths_outside_data_prefix = True)'
    ]
    assert (tmp_path / 'list.clean.txt').read_text() == 'a.mp4 0\n'


def test_the_training_sampler_says_how_many_frames_it_needs(
        tmp_path, monkeypatch):
    from mmengine import Config
    tool = load_tool(monkeypatch)
    # CARL (which the tool's own table used to miss): T frames per view
    carl = osp.join(REPO_ROOT, 'configs', 'carl',
                    'carl_r18-small_synthetic.py')
    sampler = Config.fromfile(carl).train_dataloader.dataset.pipeline[1]
    assert sampler.type == 'CARLSampleFrames'
    assert tool.frames_needed(carl) == sampler.get('clip_len',
                                                   sampler.get('num_frames'))
    # CVRL: one clip's span
    cvrl = osp.join(REPO_ROOT, 'configs', 'cvrl',
                    'cvrl_r3d18-small_synthetic.py')
    sampler = Config.fromfile(cvrl).train_dataloader.dataset.pipeline[1]
    assert sampler.type == 'CVRLSampleFrames'
    assert tool.frames_needed(cvrl) == \
        (sampler.clip_len - 1) * sampler.frame_interval + 1
    # MMAction2's SampleFrames, through a dataset wrapper
    config = tmp_path / 'stock.py'
    config.write_text(
        'train_dataloader = dict(dataset=dict(type="RepeatDataset", '
        'times=2, dataset=dict(type="VideoDataset", pipeline=[dict('
        'type="VideoInit"), dict(type="SampleFrames", clip_len=4, '
        'frame_interval=3, num_clips=1)])))\n')
    assert tool.frames_needed(str(config)) == 10
    config.write_text('train_dataloader = dict(dataset=dict('
                      'type="VideoDataset", pipeline=[dict('
                      'type="VideoInit")]))\n')
    with pytest.raises(ValueError, match='--min-frames'):
        tool.frames_needed(str(config))
