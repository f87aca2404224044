"""tools/data/build_frame_cache.py and reading its packs."""
import os
import runpy
import shutil
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose

from scfa_mm.datasets.frame_pack import (FramePackError, FramePackReader,
                                         is_complete_pack, write_pack)
from ..conftest import REPO_ROOT, video_path, write_moving_square_videos

SCRIPT = os.path.join(REPO_ROOT, 'tools', 'data', 'build_frame_cache.py')
REAL = ['short_340x256_32f.mp4', 'clip_320x240_164f.avi']


def build(ann_file, data_prefix, out, *extra, wait=True):
    command = [
        sys.executable, SCRIPT,
        str(ann_file), '--data-prefix',
        str(data_prefix), '--out',
        str(out), '--size', '64', '48', '--nproc', '2', *map(str, extra)
    ]
    if not wait:
        return subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True)
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture
def videos(tmp_path):
    """The tiny moving-square videos, two real clips and a broken one."""
    ann_file = write_moving_square_videos(tmp_path, num_videos=6)
    lines = ann_file.read_text().splitlines()
    for name in REAL:
        shutil.copy(video_path(name), tmp_path / 'videos' / name)
        lines.append(f'{name} 1')
    (tmp_path / 'videos' / 'broken.mp4').write_bytes(b'\x00' * 1000)
    lines.insert(2, 'broken.mp4 0')
    ann_file.write_text('\n'.join(lines) + '\n')
    return ann_file, tmp_path / 'videos'


def pack_of(out, video):
    return out / 'packs' / (os.path.splitext(video)[0] + '.pack')


def test_round_trip_and_broken_video(videos, tmp_path):
    decord = pytest.importorskip('decord')  # x86-64 Linux wheels only
    ann_file, video_dir = videos
    out = tmp_path / 'cache'
    done = build(ann_file, video_dir, out)
    assert done.returncode == 1, done.stdout + done.stderr
    failed = (out / 'train.failed.txt').read_text()
    assert failed.startswith('line 3: ') and 'broken.mp4: cannot decode' \
        in failed
    cached = (out / 'train.txt').read_text().splitlines()
    expected = [
        line for line in ann_file.read_text().splitlines()
        if not line.startswith('broken')
    ]
    assert [line.split()[1] for line in cached] == \
        [line.split()[1] for line in expected]
    assert all(line.startswith('packs/') for line in cached)

    for line in expected:
        video = line.split()[0]
        reader = decord.VideoReader(str(video_dir / video))
        source = reader.get_batch(list(range(len(reader)))).asnumpy()
        source = np.stack([
            cv2.resize(frame, (64, 48), interpolation=cv2.INTER_LINEAR)
            for frame in source
        ]).astype(np.float64)
        pack = FramePackReader(str(pack_of(out, video)))
        assert len(pack) == len(reader)
        order = np.random.default_rng(0).permutation(len(pack))[:10]
        frames = pack.get_batch(order).asnumpy()
        assert frames.shape == (10, 48, 64, 3)
        # JPEG at quality 90 (4:4:4): ~3 grey levels on average on the
        # real clips, more at a few edges
        error = np.abs(frames - source[order])
        assert error.mean() < 3.5 and np.percentile(error, 99) < 25, video

    # --allow-failures accepts the broken video; the rest is reused
    done = build(ann_file, video_dir, out, '--allow-failures')
    assert done.returncode == 0
    assert '0 decoded now, 8 already complete' in done.stdout


def test_interrupted_build_resumes(videos, tmp_path):
    ann_file, video_dir = videos
    lines = [
        line for line in ann_file.read_text().splitlines()
        if 'broken' not in line
    ]
    # slower videos at the end, so that the kill finds work left
    for copy in range(4):
        shutil.copy(video_path(REAL[1]), video_dir / f'copy_{copy}.avi')
        lines.append(f'copy_{copy}.avi 1')
    ann_file.write_text('\n'.join(lines) + '\n')
    out = tmp_path / 'cache'
    process = build(ann_file, video_dir, out, wait=False)
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.glob('packs/*.pack')):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the tool and its workers
    process.wait()
    existing = list(out.glob('packs/**/*.pack'))
    assert all(is_complete_pack(str(p)) for p in existing)
    mtimes = {p: p.stat().st_mtime_ns for p in existing}
    # a torn file in place of a pack not yet written (e.g. copied while
    # being written) is refused by name, then rebuilt
    videos = [line.split()[0] for line in ann_file.read_text().splitlines()]
    torn_video = next(v for v in videos[::-1] if not pack_of(out, v).exists())
    torn = pack_of(out, torn_video)
    torn.parent.mkdir(parents=True, exist_ok=True)
    torn.write_bytes(b'SCFAPACK\x10\x00')
    with pytest.raises(FramePackError, match=torn_video.split('.')[0]):
        FramePackReader(str(torn))

    done = build(ann_file, video_dir, out)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-2]
    assert f'{len(mtimes)} already complete' in summary, summary
    for path, mtime in mtimes.items():
        assert path.stat().st_mtime_ns == mtime  # not redone
    assert len((out / 'train.txt').read_text().splitlines()) == 12
    assert all(
        is_complete_pack(str(pack_of(out,
                                     line.split()[0])))
        for line in ann_file.read_text().splitlines())


@pytest.mark.parametrize('sampler', [
    dict(type='TemporalMultiView', num_views=2, clip_len=8, test_mode=True),
    dict(
        type='CVRLSampleFrames',
        clip_len=8,
        frame_interval=2,
        num_clips=2,
        test_mode=True),
    dict(type='CARLSampleFrames', clip_len=16, test_mode=True)
])
def test_samplers_read_packs_like_videos(videos, tmp_path, sampler):
    ann_file, video_dir = videos
    out = tmp_path / 'cache'
    build(ann_file, video_dir, out, '--allow-failures')
    video = video_dir / 'clip_320x240_164f.avi'
    tail = [sampler, dict(type='DecordDecode')]
    from_video = Compose([
        TRANSFORMS.build(t) for t in [
            dict(type='CheckedDecordInit'), *tail,
            dict(type='Resize', scale=(64, 48), keep_ratio=False)
        ]
    ])(
        dict(filename=str(video)))
    from_cache = Compose(
        [TRANSFORMS.build(t) for t in [dict(type='FramePackInit'), *tail]])(
            dict(filename=str(pack_of(out, video.name))))
    assert from_cache['total_frames'] == from_video['total_frames'] == 164
    np.testing.assert_array_equal(from_cache['frame_inds'],
                                  from_video['frame_inds'])
    difference = np.abs(
        np.stack(from_cache['imgs']).astype(float) -
        np.stack(from_video['imgs']))
    # the cache holds the pipeline's resized frames, up to JPEG's error
    assert difference.mean() < 3.5


def test_frame_folders_are_cached_and_missing_frames_named(
        tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    for folder, count in (('a', 5), ('b', 4)):
        (tmp_path / folder).mkdir()
        for index in range(1, count + 1):
            # smooth content, like video frames (noise is JPEG's worst case)
            frame = cv2.GaussianBlur(
                rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), (7, 7), 2)
            cv2.imwrite(str(tmp_path / folder / f'img_{index:05}.jpg'), frame)
    ann_file = tmp_path / 'frames.txt'
    ann_file.write_text('a 5 1\nb 5 0\n')  # b lacks its fifth frame
    out = tmp_path / 'cache'
    done = build(ann_file, tmp_path, out, '--rawframes')
    assert done.returncode == 1
    assert (out / 'frames.txt').read_text() == 'packs/a.pack 1\n'
    failed = (out / 'frames.failed.txt').read_text()
    assert failed.startswith('line 2: ') and 'img_00005.jpg' in failed
    pack = FramePackReader(str(out / 'packs' / 'a.pack'))
    assert len(pack) == 5
    stored = pack.get_batch(range(5)).asnumpy().astype(float)
    expected = np.stack([
        cv2.imread(str(tmp_path / 'a' / f'img_{i:05}.jpg'))[..., ::-1]
        for i in range(1, 6)
    ]).astype(float)
    # same size (64x48): only the second JPEG encoding differs
    assert np.abs(stored - expected).mean() < 3.5

    # another --size over the same cache: the pack is rebuilt, not kept
    # as "already complete"
    ann_file.write_text('a 5 1\n')
    done = build(ann_file, tmp_path, out, '--rawframes', '--size', 32, 24)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '1 decoded now (of which 1 rebuilt from packs of other ' \
        'settings: width 64 -> 32, height 48 -> 24), 0 already complete' \
        in done.stdout
    assert FramePackReader(str(out / 'packs' / 'a.pack')).get_batch(
        [4]).asnumpy().shape == (1, 24, 32, 3)

    # entries outside --data-prefix would write outside --out: refused,
    # named, nothing written
    ann_file.write_text('a 5 1\n../b 5 0\n/etc 5 0\n')
    tool = runpy.run_path(SCRIPT)  # in this process: no second start-up
    monkeypatch.setattr(sys, 'argv', [
        SCRIPT,
        str(ann_file), '--data-prefix',
        str(tmp_path / 'a'), '--out',
        str(tmp_path / 'other'), '--rawframes'
    ])
    with pytest.raises(SystemExit) as error:
        tool['main']()
    message = str(error.value.code)
    assert f"line 2: path outside the data prefix '{tmp_path}/a'" in message
    assert "'../b 5 0'" in message and "line 3: path outside" in message
    assert message.endswith('Nothing was written.')
    assert not (tmp_path / 'other').exists()
    pack_path = tool['pack_path']
    with pytest.raises(ValueError, match='would be written outside'):
        pack_path(str(out), '../../x.mp4')


def test_a_corrupt_frame_is_named_and_old_packs_refused(tmp_path):
    import json
    import struct
    frames = [np.full((16, 16, 3), 40 * i, np.uint8) for i in range(4)]
    path = tmp_path / 'v.pack'
    write_pack(str(path), frames)
    reader = FramePackReader(str(path))
    data = bytearray(path.read_bytes())
    # flip a byte inside frame 2's JPEG data
    start = reader.data_start + int(reader.offsets[2])
    data[start + 200] ^= 0xFF
    path.write_bytes(bytes(data))
    reader = FramePackReader(str(path))
    np.testing.assert_array_equal(
        reader.get_batch([3, 1]).asnumpy()[1],
        reader.get_batch([1]).asnumpy()[0])
    with pytest.raises(
            FramePackError,
            match=f'frame pack {path} is corrupt: frame 2 fails '
            'its CRC32 check'):
        reader.get_batch([0, 2])
    # a pack of format 1 (no version, no checksums): refused, saying how
    # to rebuild
    (length, ) = struct.unpack('<I', data[8:12])
    header = json.loads(data[12:12 + length])
    del header['version']
    old = tmp_path / 'old.pack'
    old.write_bytes(data[:8] + struct.pack('<I', len(json.dumps(header))) +
                    json.dumps(header).encode() + data[12 + length:])
    with pytest.raises(
            FramePackError,
            match=f'frame pack {old} is of format 1; this '
            'version of scfa_mm reads format 2'):
        FramePackReader(str(old))


def test_pack_chroma_subsampling_is_recorded_and_applied(tmp_path):
    # alternate red and blue columns: chroma detail that 4:2:0 halves
    frame = np.zeros((32, 32, 3), np.uint8)
    frame[:, 0::2, 0] = 255
    frame[:, 1::2, 2] = 255
    errors = {}
    for subsampling in ('444', '420'):
        path = str(tmp_path / f'{subsampling}.pack')
        write_pack(path, [frame] * 2, subsampling=subsampling)
        pack = FramePackReader(path)
        assert pack.header['subsampling'] == subsampling
        decoded = pack.get_batch([1]).asnumpy()[0].astype(float)
        errors[subsampling] = np.abs(decoded - frame).mean()
    assert errors['444'] < 2 and errors['420'] > 20, errors
    with pytest.raises(ValueError, match="subsampling must be one of"):
        write_pack(str(tmp_path / 'bad.pack'), [frame], subsampling='422')
