"""CVRLSampleFrames: the interval law of CVRL's two clips, the clips'
bounds and order, test mode and argument checks."""
import numpy as np
import pytest

from scfa_mm.datasets import CVRLSampleFrames


def law_cdf(x, power):
    """P(d / M <= x) for the density (p + 1) / p * (1 - x ** p) on [0, 1)."""
    return (power + 1) / power * (x - x**(power + 1) / (power + 1))


@pytest.mark.parametrize('power', [1.0, 2.0])
def test_start_distances_follow_the_law(power):
    np.random.seed(0)
    sampler = CVRLSampleFrames(clip_len=16, frame_interval=2, power=power)
    num_starts = 400
    total = num_starts + 15 * 2
    draws = 20000
    distances = np.array(
        [abs(np.diff(sampler.clip_starts(total))[0]) for _ in range(draws)])
    assert distances.min() >= 0 and distances.max() < num_starts
    # Kolmogorov-Smirnov distance to the law, on the integer grid: P(D <= d)
    # is the law's CDF at (d + 1) / M. 1.95 / sqrt(n) is the 0.1% critical
    # value; a uniform distance would be ~0.25 away (power 1).
    grid = np.arange(num_starts)
    empirical = np.searchsorted(np.sort(distances), grid, side='right') / draws
    statistic = np.abs(empirical -
                       law_cdf((grid + 1) / num_starts, power)).max()
    assert statistic < 1.95 / np.sqrt(draws)
    uniform = (grid + 1) / num_starts
    assert np.abs(empirical - uniform).max() > 10 * statistic


def release_distance(u, num_starts, power=1.0):
    """The official code's start distance for a uniform ``u``
    (sample_ssl_sequence): bisection on the law's CDF over integer ``k``
    while the bracket is wider than 1."""

    def cdf(k):
        return (-k**(power + 1) / (power * num_starts**(power + 1)) + k *
                (power + 1) / (power * num_starts))

    low, high, k = 0.0, float(num_starts), float(num_starts // 2)
    while abs(high - low) > 1:
        if cdf(k) > u:
            low, high, k = low, k, (k + low) // 2
        else:
            low, high, k = k, high, (high + k) // 2
    return int(k)


def test_start_distances_are_the_releases():
    """Ours and the release's bisection give the same distribution."""
    rng = np.random.default_rng(7)
    num_starts, draws = 300, 20000
    release = np.array(
        [release_distance(u, num_starts) for u in rng.uniform(size=draws)])
    np.random.seed(7)
    sampler = CVRLSampleFrames(clip_len=16, frame_interval=2)
    ours = np.array([
        abs(np.diff(sampler.clip_starts(num_starts + 30))[0])
        for _ in range(draws)
    ])
    grid = np.arange(num_starts)
    cdfs = [
        np.searchsorted(np.sort(d), grid, side='right') / draws
        for d in (release, ours)
    ]
    # two-sample Kolmogorov-Smirnov at the 0.1% level: 1.95 * sqrt(2 / n)
    assert np.abs(cdfs[0] - cdfs[1]).max() < 1.95 * np.sqrt(2 / draws)
    assert release.max() < num_starts and release.min() >= 0


def test_clips_keep_stride_bounds_and_come_in_both_orders():
    np.random.seed(1)
    sampler = CVRLSampleFrames(clip_len=16, frame_interval=2)
    first_is_earlier = []
    for _ in range(200):
        results = sampler(dict(total_frames=300, filename='v.mp4'))
        clips = results['frame_inds'].reshape(2, 16)
        assert (np.diff(clips, axis=1) == 2).all()
        assert clips.min() >= 0 and clips.max() < 300
        first_is_earlier.append(clips[0, 0] < clips[1, 0])
    assert results['num_clips'] == 2 and results['clip_len'] == 16
    assert results['frame_interval'] == 2
    assert 0.35 < np.mean(first_is_earlier) < 0.65


def test_short_video_repeats_its_frames_in_order():
    np.random.seed(2)
    results = CVRLSampleFrames(
        clip_len=8, frame_interval=2)(
            dict(total_frames=10, filename='short.mp4', start_index=1))
    for clip in results['frame_inds'].reshape(2, 8) - 1:
        assert ((clip - clip[0]) % 10 == (np.arange(8) * 2) % 10).all()
        assert clip.min() >= 0 and clip.max() < 10


def test_test_mode_is_deterministic_and_evenly_spaced():
    sampler = CVRLSampleFrames(
        clip_len=4, frame_interval=2, num_clips=5, test_mode=True)
    first = sampler(dict(total_frames=107))['frame_inds']
    assert (first == sampler(dict(total_frames=107))['frame_inds']).all()
    starts = first.reshape(5, 4)[:, 0]
    # 107 - 3 * 2 = 101 starts in 5 equal parts, each clip at a centre
    assert starts.tolist() == [10, 30, 50, 70, 90]


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_clips=3), 'num_views must be 2'),
    (dict(num_views=3), 'num_views must be 2'),
    (dict(power=0), 'power'),
    (dict(clip_len=0), 'clip_len'),
])
def test_bad_sampler_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CVRLSampleFrames(**kwargs)


def test_empty_video_is_named():
    with pytest.raises(ValueError, match='empty.mp4'):
        CVRLSampleFrames()(dict(total_frames=0, filename='empty.mp4'))
