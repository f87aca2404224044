"""CVRLSampleFrames (the interval law), PerView and the clip colour ops."""
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose

from scfa_mm.datasets import (ClipColorJitter, ClipGaussianBlur,
                              ClipRandomGrayscale, CVRLSampleFrames, PerView)


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
    (dict(num_clips=3), 'num_clips must be 2'),
    (dict(power=0), 'power'),
    (dict(clip_len=0), 'clip_len'),
])
def test_bad_sampler_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CVRLSampleFrames(**kwargs)


def test_empty_video_is_named():
    with pytest.raises(ValueError, match='empty.mp4'):
        CVRLSampleFrames()(dict(total_frames=0, filename='empty.mp4'))


def clip_sample(num_clips=2, clip_len=4, size=40, seed=0):
    """Clips whose frames are all one random image."""
    image = np.random.default_rng(seed).integers(
        0, 256, (size, size + 8, 3), dtype=np.uint8)
    return dict(
        imgs=[image.copy() for _ in range(num_clips * clip_len)],
        num_clips=num_clips,
        clip_len=clip_len,
        img_shape=image.shape[:2],
        original_shape=image.shape[:2],
        modality='RGB')


AUGMENT = [
    dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ClipColorJitter', p=1.0),
    dict(type='ClipRandomGrayscale', p=0.5),
    dict(type='ClipGaussianBlur', p=0.5),
]


@pytest.mark.parametrize('seed', range(4))
def test_per_view_augments_clips_independently_and_frames_alike(seed):
    np.random.seed(seed)
    results = TRANSFORMS.build(dict(type='PerView', transforms=AUGMENT))(
        clip_sample(seed=seed))
    assert results['img_shape'] == (32, 32)
    clips = np.stack(results['imgs']).reshape(2, 4, 32, 32, 3)
    for clip in clips:
        assert all(np.array_equal(frame, clip[0]) for frame in clip)
    assert not np.array_equal(clips[0, 0], clips[1, 0])
    # per-view values of the crop, one per clip
    assert len(results['crop_bbox']) == 2


def test_without_per_view_all_clips_get_the_same_draws():
    """Why PerView exists: stock transforms draw once per sample."""
    np.random.seed(0)
    results = Compose([TRANSFORMS.build(t) for t in AUGMENT])(clip_sample())
    frames = np.stack(results['imgs'])
    assert all(np.array_equal(frame, frames[0]) for frame in frames)


def test_per_view_needs_whole_clips():
    sample = clip_sample()
    sample['imgs'] = sample['imgs'][:-1]
    with pytest.raises(ValueError, match='7 frames for num_clips=2'):
        PerView(AUGMENT)(sample)


@pytest.mark.parametrize('op, p, applied', [
    (ClipColorJitter(p=0.8), 0.8,
     lambda before, after: not np.array_equal(before, after)),
    (ClipRandomGrayscale(p=0.2), 0.2,
     lambda before, after: np.array_equal(after[..., 0], after[..., 2])),
    (ClipGaussianBlur(p=0.5), 0.5,
     lambda before, after: not np.array_equal(before, after)),
])
def test_probabilities_are_respected(op, p, applied):
    np.random.seed(3)
    calls = 2000
    hits = 0
    for index in range(calls):
        sample = clip_sample(num_clips=1, clip_len=1, size=12, seed=index)
        before = sample['imgs'][0].copy()
        hits += applied(before, op(sample)['imgs'][0])
    # binomial standard deviation at n=2000 is at most 0.011
    assert abs(hits / calls - p) < 0.04


def test_colour_ops_match_their_formulas():
    frame = np.random.default_rng(4).uniform(0, 255,
                                             (5, 6, 3)).astype(np.float32)
    apply = ClipColorJitter.apply
    np.testing.assert_allclose(apply(frame, 'brightness', 1.5), frame * 1.5)
    grey = frame @ np.array([0.299, 0.587, 0.114], np.float32)
    np.testing.assert_allclose(
        apply(frame, 'saturation', 0.0),
        np.repeat(grey[..., None], 3, 2),
        rtol=1e-5)
    np.testing.assert_allclose(
        apply(frame, 'contrast', 0.0),
        np.full_like(frame, grey.mean()),
        rtol=1e-5)
    red = np.zeros((1, 1, 3), np.float32)
    red[..., 0] = 255
    # half a turn of the colour circle takes red to cyan
    np.testing.assert_allclose(
        apply(red, 'hue', 0.5)[0, 0], [0, 255, 255], atol=1e-3)


def test_jitter_draws_a_random_order():
    np.random.seed(5)
    jitter = ClipColorJitter()
    firsts = [jitter.draw()[0][0] for _ in range(2000)]
    names = ['brightness', 'contrast', 'saturation', 'hue']
    shares = [firsts.count(name) / 2000 for name in names]
    assert all(abs(share - 0.25) < 0.04 for share in shares), shares
