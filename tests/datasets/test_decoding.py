import numpy as np
import pytest
from mmengine.dataset import Compose

from scfa_mm.datasets import UniqueFrameReader
from ..conftest import VIDEOS, video_path


def decode_pipeline(num_views=2, test_mode=False):
    # decord is optional (scfa_mm[decord]);
    # tests/datasets/test_video_backends.py covers the other decoders
    pytest.importorskip('decord')
    return Compose([
        dict(type='CheckedDecordInit'),
        dict(
            type='TemporalMultiView',
            num_views=num_views,
            clip_len=16,
            test_mode=test_mode),
        dict(type='DecordDecode'),
    ])


@pytest.mark.parametrize('name', sorted(VIDEOS))
def test_every_clip_decodes_the_sampled_frames(name):
    np.random.seed(0)
    path = video_path(name)
    results = decode_pipeline()(dict(filename=path, start_index=0))
    assert results['total_frames'] == VIDEOS[name]
    inds = results['frame_inds']
    imgs = results['imgs']
    assert len(imgs) == 32 and imgs[0].dtype == np.uint8
    assert imgs[0].shape[2] == 3
    # the frames are those a plain decord reader gives for the same indices
    import decord
    reference = decord.VideoReader(path)
    for position in (0, 15, 16, 31):
        expected = reference[int(inds[position])].asnumpy()
        assert np.array_equal(imgs[position], expected), position


class RecordingReader:
    """A stand-in video reader that records what it is asked to decode."""

    def __init__(self, num_frames):
        self.frames = np.arange(
            num_frames, dtype=np.uint8)[:, None, None, None]
        self.requests = []

    def __len__(self):
        return len(self.frames)

    def get_batch(self, indices):
        self.requests.append(list(indices))
        return _Batch(self.frames[indices])


class _Batch:

    def __init__(self, array):
        self.array = array

    def asnumpy(self):
        return self.array


def test_views_sharing_frames_are_decoded_once():
    raw = RecordingReader(20)
    results = Compose([
        dict(type='TemporalMultiView', num_views=3, clip_len=16),
        dict(type='DecordDecode'),
    ])(
        dict(total_frames=20, start_index=0, video_reader=raw))
    inds = results['frame_inds']
    # 3 views of 16 frames from 20 frames must share frames
    assert len(set(inds.tolist())) < len(inds)
    # one request, of each distinct frame once, in temporal order
    assert raw.requests == [sorted(set(inds.tolist()))]
    assert [int(img[0, 0, 0]) for img in results['imgs']] == inds.tolist()


def test_decode_failure_names_the_file():

    class Failing(RecordingReader):

        def get_batch(self, indices):
            raise IndexError('Out of bound indices')

    reader = UniqueFrameReader(Failing(10), source='videos/clip_a.mp4')
    with pytest.raises(RuntimeError, match='clip_a.mp4.*Out of bound'):
        reader.get_batch([0, 3])


def test_indexing_decodes_the_planned_frames_once_as_bgr():
    raw = RecordingReader(20)
    raw.frames = np.stack([raw.frames[:, :, :, 0]] * 3, -1)
    raw.frames[:, :, :, 2] = 100  # blue in RGB order
    reader = UniqueFrameReader(raw)
    reader.plan([7, 3, 7, 12])
    assert reader[7][0, 0].tolist() == [100, 7, 7]  # BGR, as mmcv's
    assert reader[3][0, 0, 2] == 3 and reader[12][0, 0, 2] == 12
    # an index outside the plan is decoded on its own, not guessed
    assert reader[5][0, 0, 2] == 5
    assert raw.requests == [[3, 7, 12], [5]]


def test_unknown_reader_is_refused():
    with pytest.raises(TypeError, match='No video backend reads'):
        UniqueFrameReader(object())


@pytest.mark.parametrize('damage', ['truncated', 'corrupt_header', 'empty'])
def test_broken_file_names_the_file(tmp_path, damage):
    source = video_path('clip_340x256_300f.mp4')
    broken = tmp_path / f'{damage}_copy.mp4'
    data = open(source, 'rb').read()
    if damage == 'truncated':
        data = data[:len(data) // 2]
    elif damage == 'corrupt_header':
        data = bytes(4096) + data[4096:]
    else:
        data = b''
    broken.write_bytes(data)
    with pytest.raises(RuntimeError, match=f'{damage}_copy.mp4'):
        decode_pipeline()(dict(filename=str(broken), start_index=0))


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='not_there.mp4'):
        decode_pipeline()(
            dict(filename=str(tmp_path / 'not_there.mp4'), start_index=0))
