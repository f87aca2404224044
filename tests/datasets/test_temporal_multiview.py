import numpy as np
import pytest

from scfa_mm.datasets import TemporalMultiView

STRATEGIES = ('segment', 'uniform', 'random')


def sample(total_frames, **kwargs):
    transform = TemporalMultiView(**kwargs)
    return transform(
        dict(total_frames=total_frames, start_index=0, filename='video.mp4'))


@pytest.mark.parametrize('strategy', STRATEGIES)
@pytest.mark.parametrize('total_frames', [16, 17, 50, 300])
def test_indices_in_bounds_ordered_view_major(strategy, total_frames):
    np.random.seed(0)
    for _ in range(20):
        results = sample(
            total_frames, num_views=3, clip_len=16, strategy=strategy)
        inds = results['frame_inds']
        assert inds.shape == (48, )
        assert results['num_clips'] == 3 and results['clip_len'] == 16
        assert inds.min() >= 0 and inds.max() < total_frames
        for view in inds.reshape(3, 16):
            # enough frames: distinct and strictly increasing
            assert np.all(np.diff(view) > 0), view


@pytest.mark.parametrize('total_frames', [16, 33, 160, 300])
def test_segment_draws_one_frame_per_segment(total_frames):
    np.random.seed(1)
    bounds = [i * total_frames // 16 for i in range(17)]
    seen = [set() for _ in range(16)]
    for _ in range(200):
        view = sample(
            total_frames, num_views=1, strategy='segment')['frame_inds']
        for i, frame in enumerate(view):
            assert bounds[i] <= frame < bounds[i + 1]
            seen[i].add(int(frame))
    # random within the segment: every frame of a segment turns up
    for i in range(16):
        assert seen[i] == set(range(bounds[i], bounds[i + 1]))


def test_uniform_is_evenly_spaced():
    np.random.seed(2)
    for _ in range(50):
        view = sample(160, num_views=1, strategy='uniform')['frame_inds']
        # step of 10 frames, common offset in [0, 10)
        assert np.array_equal(np.diff(view), np.full(15, 10))
        assert 0 <= view[0] < 10


@pytest.mark.parametrize('strategy', STRATEGIES)
def test_views_differ_in_training(strategy):
    np.random.seed(3)
    differ = 0
    for _ in range(20):
        views = sample(
            300, num_views=2, strategy=strategy)['frame_inds'].reshape(2, 16)
        differ += not np.array_equal(views[0], views[1])
    assert differ >= 19


@pytest.mark.parametrize('strategy', STRATEGIES)
def test_test_mode_is_deterministic(strategy):
    first = sample(
        160, num_views=2, strategy=strategy, test_mode=True)['frame_inds']
    np.random.seed(123)
    second = sample(
        160, num_views=2, strategy=strategy, test_mode=True)['frame_inds']
    assert np.array_equal(first, second)
    # one view: segment centres (segments of 10 frames -> 5, 15, ...)
    centres = sample(160, num_views=1, test_mode=True)['frame_inds']
    assert np.array_equal(centres, np.arange(16) * 10 + 5)
    # two views: a quarter and three quarters into each segment
    views = first.reshape(2, 16)
    assert np.array_equal(views[0], np.arange(16) * 10 + 2)
    assert np.array_equal(views[1], np.arange(16) * 10 + 7)


@pytest.mark.parametrize('strategy', STRATEGIES)
@pytest.mark.parametrize('test_mode', [False, True])
@pytest.mark.parametrize('total_frames', [1, 5, 15])
def test_short_video_repeats_frames_in_order(strategy, test_mode,
                                             total_frames):
    np.random.seed(4)
    results = sample(
        total_frames, num_views=2, strategy=strategy, test_mode=test_mode)
    for view in results['frame_inds'].reshape(2, 16):
        assert np.all(np.diff(view) >= 0)
        # every frame is used, none outside the video
        assert set(view.tolist()) == set(range(total_frames))


def test_start_index_is_added():
    results = TemporalMultiView(
        num_views=1, test_mode=True)(
            dict(total_frames=160, start_index=1))
    assert np.array_equal(results['frame_inds'], np.arange(16) * 10 + 6)


def test_empty_video_names_the_file():
    with pytest.raises(ValueError, match='broken_clip.mp4'):
        TemporalMultiView()(
            dict(total_frames=0, filename='data/broken_clip.mp4'))


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_views=0), 'num_views'),
    (dict(num_views=1.5), 'num_views'),
    (dict(clip_len=0), 'clip_len'),
    (dict(clip_len=True), 'clip_len'),
    (dict(strategy='dense'), "'dense'"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TemporalMultiView(**kwargs)
