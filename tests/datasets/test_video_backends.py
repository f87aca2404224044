"""Every decoder gives decord's frames through the plugin's samplers.

decord is the reference. On the shared clips PyAV, OpenCV and torchcodec
give bit-identical frames (measured: largest difference 0 on every frame of
all four clips; all convert YUV to RGB with FFmpeg's swscale at its
defaults). The tolerance below, a mean absolute difference of at most one
grey level per frame, leaves room for another FFmpeg build's rounding; an
off-by-one index is caught apart from it: every frame must be closer to
decord's frame at its index than to decord's frames next to it (where
those differ; some clips repeat frames).
"""
import os
import sys

import numpy as np
import pytest
from mmengine.dataset import Compose

from scfa_mm.datasets.transforms import loading
from ..conftest import VIDEOS, video_path

AVI = 'clip_320x240_164f.avi'
SHORT = 'short_340x256_32f.mp4'
SAMPLERS = {
    'scfa': dict(type='TemporalMultiView', num_views=2, clip_len=16),
    'cvrl': dict(type='CVRLSampleFrames', clip_len=16, frame_interval=2),
    'carl': dict(type='CARLSampleFrames', clip_len=20),
}
# (Init, Decode): the plugin's VideoInit for every backend (then the stock
# DecordDecode), and MMAction2's own pairs
PIPELINES = {
    'decord': (dict(type='DecordInit'), dict(type='DecordDecode')),
    'pyav-stock': (dict(type='PyAVInit'), dict(type='PyAVDecode')),
    'opencv-stock': (dict(type='OpenCVInit'), dict(type='OpenCVDecode')),
    'pyav': (dict(type='VideoInit',
                  backend='pyav'), dict(type='DecordDecode')),
    'opencv': (dict(type='VideoInit',
                    backend='opencv'), dict(type='DecordDecode')),
    'torchcodec': (dict(type='VideoInit',
                        backend='torchcodec'), dict(type='DecordDecode')),
}
FFMPEG_SENTENCE = 'torchcodec.*needs FFmpeg.*apt-get install ffmpeg'


def ffmpeg_missing() -> bool:
    from torchcodec._core import ops
    return not getattr(ops, '_FFMPEG_AVAILABLE', True)


def run(pipeline, sampler, name, seed=0):
    init, decode = PIPELINES[pipeline]
    np.random.seed(seed)
    return Compose([init, SAMPLERS[sampler], decode])(
        dict(filename=video_path(name), start_index=0))


def assert_decord_frames(path, frame_inds, imgs):
    """``imgs`` are decord's frames ``frame_inds`` of ``path``, in order."""
    decord = pytest.importorskip('decord')
    frame_inds = np.asarray(frame_inds)
    assert len(imgs) == len(frame_inds)
    reader = decord.VideoReader(path, num_threads=1)
    needed = sorted({
        j
        for i in frame_inds.tolist()
        for j in (i - 1, i, i + 1) if 0 <= j < len(reader)
    })
    reference = dict(
        zip(needed,
            reader.get_batch(needed).asnumpy().astype(np.int16)))
    for position, (index, img) in enumerate(zip(frame_inds.tolist(), imgs)):
        expected = reference[index]
        assert img.shape == expected.shape and img.dtype == np.uint8
        own = np.abs(img - expected).mean()
        assert own <= 1.0, (position, index, own)
        for neighbour in (index - 1, index + 1):
            if neighbour not in reference or np.array_equal(
                    reference[neighbour], expected):
                continue
            assert own < np.abs(img - reference[neighbour]).mean(), (position,
                                                                     index,
                                                                     neighbour)


def check_pipeline(pipeline, sampler, name):
    if pipeline == 'torchcodec' and ffmpeg_missing():
        # the clear sentence where FFmpeg is missing; CI installs it
        with pytest.raises(ImportError, match=FFMPEG_SENTENCE):
            run(pipeline, sampler, name)
        assert not os.environ.get('CI'), \
            '.ci/run installs FFmpeg: torchcodec must decode in CI'
        return
    if pipeline == 'torchcodec' and name == AVI:
        # torchcodec seeks by timestamps, which AVI lacks: it would return
        # neighbouring frames (see TorchCodecBackend), so it refuses
        with pytest.raises(RuntimeError, match=f'{AVI}.*MPEG-4 Part 2'):
            run(pipeline, sampler, name)
        return
    results = run(pipeline, sampler, name)
    assert results['total_frames'] == VIDEOS[name]
    assert results['video_reader'] is None  # released by the decode step
    assert_decord_frames(
        video_path(name), results['frame_inds'], results['imgs'])


@pytest.mark.parametrize('pipeline', sorted(PIPELINES))
@pytest.mark.parametrize('sampler', sorted(SAMPLERS))
@pytest.mark.parametrize('name', [SHORT, AVI])
def test_backends_give_decords_frames(pipeline, sampler, name):
    check_pipeline(pipeline, sampler, name)


@pytest.mark.parametrize('pipeline', ['pyav', 'opencv', 'torchcodec'])
@pytest.mark.parametrize('name', sorted(set(VIDEOS) - {SHORT, AVI}))
def test_backends_on_the_longer_clips(pipeline, name):
    # SCFA's sparse sampling across the whole clip
    check_pipeline(pipeline, 'scfa', name)


# more frames than the short clip has, so that frames must repeat
OVERLAPPING = {
    'scfa': dict(type='TemporalMultiView', num_views=3, clip_len=16),
    'cvrl': dict(type='CVRLSampleFrames', clip_len=24, frame_interval=2),
    'carl': dict(type='CARLSampleFrames', clip_len=40),
}


@pytest.mark.parametrize('pipeline',
                         ['pyav', 'opencv', 'torchcodec', 'opencv-stock'])
@pytest.mark.parametrize('sampler', sorted(OVERLAPPING))
def test_each_distinct_frame_is_decoded_once(monkeypatch, pipeline, sampler):
    if pipeline == 'torchcodec' and ffmpeg_missing():
        pytest.skip('FFmpeg missing: see test_backends_give_decords_frames')
    backend = loading.VIDEO_BACKENDS[pipeline.split('-')[0]]
    calls = []

    def spy(reader, indices, rewind):
        calls.append(list(indices))
        return type(backend).read(backend, reader, indices, rewind)

    monkeypatch.setattr(backend, 'read', spy)
    np.random.seed(0)
    init, decode = PIPELINES[pipeline]
    path = video_path(SHORT)
    results = Compose([init, OVERLAPPING[sampler], decode])(
        dict(filename=path, start_index=0))
    inds = results['frame_inds'].tolist()
    assert len(set(inds)) < len(inds)
    # one forward pass over each distinct frame once, and the repeats
    # are served from it
    assert calls == [sorted(set(inds))]
    assert_decord_frames(path, inds, results['imgs'])


@pytest.mark.parametrize('pipeline', ['pyav', 'opencv', 'torchcodec'])
def test_video_init_any_sampler(pipeline):
    """VideoInit's reader serves the stock SampleFrames too (no plugin
    sampler in between), and OpenCVDecode gets BGR as it expects."""
    if pipeline == 'torchcodec' and ffmpeg_missing():
        pytest.skip('FFmpeg missing: see test_backends_give_decords_frames')
    path = video_path(SHORT)
    for decode in ('DecordDecode', 'OpenCVDecode'):
        np.random.seed(0)
        results = Compose([
            PIPELINES[pipeline][0],
            dict(type='SampleFrames', clip_len=4, num_clips=2),
            dict(type=decode)
        ])(
            dict(filename=path, start_index=0))
        assert results['avg_fps'] == pytest.approx(30)
        assert_decord_frames(path, results['frame_inds'], results['imgs'])


@pytest.mark.parametrize('backend,module,sentence', [
    ('pyav', 'av', 'needs PyAV: pip install av'),
    ('decord', 'decord', 'needs decord: pip install decord'),
    ('torchcodec', 'torchcodec', 'needs torchcodec: pip install torchcodec'),
])
def test_missing_backend_says_what_to_install(monkeypatch, backend, module,
                                              sentence):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=sentence):
        Compose([dict(type='VideoInit', backend=backend)])


def test_missing_decord_in_the_configs_transform(monkeypatch):
    monkeypatch.setitem(sys.modules, 'decord', None)
    with pytest.raises(ImportError, match="pip install decord.*VideoInit"):
        Compose([dict(type='CheckedDecordInit')])


def test_missing_ffmpeg_says_what_to_install(monkeypatch):
    from torchcodec._core import ops
    monkeypatch.setattr(ops, '_FFMPEG_AVAILABLE', False, raising=False)
    with pytest.raises(ImportError, match=FFMPEG_SENTENCE):
        Compose([dict(type='VideoInit', backend='torchcodec')])
    # and 'auto' passes over it
    assert 'torchcodec' not in loading.available_backends()


@pytest.mark.parametrize('missing,chosen', [('decord', 'pyav'),
                                            ('av', 'decord')])
def test_auto_decodes_with_the_first_installed(monkeypatch, missing, chosen):
    monkeypatch.setitem(sys.modules, missing, None)
    init = Compose([dict(type='VideoInit')]).transforms[0]
    assert init.candidates[0].name == chosen
    np.random.seed(0)
    results = Compose([init, SAMPLERS['scfa'],
                       dict(type='DecordDecode')])(
                           dict(filename=video_path(SHORT), start_index=0))
    assert len(results['imgs']) == 32


def test_unknown_backend_is_refused():
    with pytest.raises(
            ValueError,
            match=r"VideoInit: backend must be one of \('auto', .*'pyav'.*"
            "got 'vlc'"):
        Compose([dict(type='VideoInit', backend='vlc')])


@pytest.mark.parametrize('backend', ['pyav', 'opencv', 'torchcodec'])
def test_broken_file_names_the_file(tmp_path, backend):
    if backend == 'torchcodec' and ffmpeg_missing():
        pytest.skip('FFmpeg missing: see test_backends_give_decords_frames')
    data = open(video_path(SHORT), 'rb').read()
    broken = tmp_path / 'half_copy.mp4'
    broken.write_bytes(data[:len(data) // 8])
    pipeline = Compose([
        dict(type='VideoInit', backend=backend), SAMPLERS['scfa'],
        dict(type='DecordDecode')
    ])
    with pytest.raises(RuntimeError, match='half_copy.mp4'):
        pipeline(dict(filename=str(broken), start_index=0))
    with pytest.raises(FileNotFoundError, match='not_there.mp4'):
        pipeline(dict(filename=str(tmp_path / 'not_there.mp4')))


def test_scfa_mm_imports_without_decord():
    import subprocess
    code = ("import sys; sys.modules['decord'] = None; import scfa_mm; "
            "from mmaction.registry import TRANSFORMS; "
            "print(TRANSFORMS.get('VideoInit'))")
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'VideoInit' in out.stdout
