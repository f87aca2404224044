"""The clip colour ops (ClipColorJitter, ClipRandomGrayscale,
ClipGaussianBlur, ClipRandomSolarize) and PerView, which runs stock
transforms once per clip."""
import math

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose

from scfa_mm.datasets import (ClipColorJitter, ClipGaussianBlur,
                              ClipRandomGrayscale, PerView)
from scfa_mm.datasets.transforms import ClipRandomSolarize
from scfa_mm.datasets.transforms.clip_augment import blur_kernel_size


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


def test_without_per_view_stock_transforms_draw_once_per_sample():
    """Why PerView exists: stock transforms draw once per sample; the clip
    ops draw once per clip by themselves."""
    np.random.seed(0)
    stock = Compose([TRANSFORMS.build(t) for t in AUGMENT[:3]])
    frames = np.stack(stock(clip_sample())['imgs'])
    assert all(np.array_equal(frame, frames[0]) for frame in frames)
    clip_ops = Compose([TRANSFORMS.build(t) for t in AUGMENT[2:4]])
    clips = np.stack(clip_ops(clip_sample())['imgs']).reshape(2, 4, 40, 48, 3)
    for clip in clips:
        assert all(np.array_equal(frame, clip[0]) for frame in clip)
    assert not np.array_equal(clips[0, 0], clips[1, 0])


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
        sample = clip_sample(num_clips=1, clip_len=1, size=24, seed=index)
        before = sample['imgs'][0].copy()
        hits += applied(before, op(sample)['imgs'][0])
    # binomial standard deviation at n=2000 is at most 0.011
    assert abs(hits / calls - p) < 0.04


def pixel_clip(*pixels):
    """One clip of 1x1 frames, one frame per RGB triple."""
    return dict(
        imgs=[np.array([[p]], np.uint8) for p in pixels],
        num_clips=1,
        clip_len=len(pixels))


def jitter_with(ops, *pixels):
    """ClipColorJitter with its draw fixed to ``ops``."""
    jitter = ClipColorJitter(p=1.0)
    jitter.draw = lambda: ops
    out = jitter(pixel_clip(*pixels))['imgs']
    return [frame[0, 0].tolist() for frame in out]


def test_brightness_and_contrast_worked_by_hand():
    # brightness 1.5: 200 * 1.5 = 300 is clipped to 255
    assert jitter_with([('brightness', 1.5)], (200, 100, 50),
                       (20, 40, 60)) == [[255, 150, 75], [30, 60, 90]]
    # contrast 2 about each channel's mean over the clip's frames,
    # (110, 70, 55): 110 + 2 * 90 = 290 -> 255, 110 - 180 -> 0
    assert jitter_with([('contrast', 2.0)], (200, 100, 50),
                       (20, 40, 60)) == [[255, 130, 45], [0, 10, 65]]
    # clipped between the ops: after brightness (255, 150, 75) and
    # (30, 60, 90), means (142.5, 105, 82.5); contrast 0.6 then gives
    # 142.5 + 0.6 * 112.5 = 210 (unclipped 300 would give 237)
    assert jitter_with([('brightness', 1.5), ('contrast', 0.6)],
                       (200, 100, 50), (20, 40, 60)) == [[210, 132, 78],
                                                         [75, 78, 87]]


def test_saturation_scales_hsv_saturation_and_clips_it():
    # (200, 100, 50): V = 200, S = 150 / 200 = 0.75, H = 20 degrees
    # S * 0.5 = 0.375: min = 200 * (1 - S) = 125, G = 125 + 75 / 3 = 150
    assert jitter_with([('saturation', 0.5)],
                       (200, 100, 50)) == [[200, 150, 125]]
    # S * 2 = 1.5 -> 1: min = 0, G = 200 / 3
    assert jitter_with([('saturation', 2.0)], (200, 100, 50)) == [[200, 67, 0]]
    # grey pixels have no saturation to scale
    assert jitter_with([('saturation', 1.8)], (90, 90, 90)) == [[90, 90, 90]]


def test_hue_turns_the_colour_circle():
    # half a turn takes red to cyan, a third of a turn red to green
    assert jitter_with([('hue', 0.5)], (255, 0, 0)) == [[0, 255, 255]]
    assert jitter_with([('hue', 1 / 3)], (255, 0, 0)) == [[0, 255, 0]]


def test_grayscale_is_luma_in_every_channel():
    out = ClipRandomGrayscale(p=1.0)(pixel_clip((200, 100, 50)))['imgs']
    # 0.2989 * 200 + 0.587 * 100 + 0.114 * 50 = 124.18
    assert out[0][0, 0].tolist() == [124, 124, 124]


def test_blur_pads_with_zeros_and_sizes_its_kernel_by_the_height():
    assert [blur_kernel_size(h) for h in (224, 32, 30, 29, 12)] == \
        [23, 3, 3, 3, 1]
    sample = dict(
        imgs=[np.full((30, 30, 3), 100, np.uint8)] * 2,
        num_clips=1,
        clip_len=2)
    out = ClipGaussianBlur(p=1.0, sigma_range=(1.0, 1.0))(sample)['imgs']
    # 3-tap kernel at sigma 1: (e, 1, e) / (1 + 2 e), e = exp(-1 / 2);
    # an edge pixel loses one tap, a corner one per direction
    keep = (1 + math.exp(-0.5)) / (1 + 2 * math.exp(-0.5))
    for frame in out:
        assert frame[15, 15, 0] == 100
        assert frame[0, 15, 0] == round(100 * keep)
        assert frame[0, 0, 0] == round(100 * keep**2)


def test_solarize_inverts_the_upper_half():
    clip = pixel_clip((0, 127, 128), (255, 200, 60))
    out = ClipRandomSolarize(p=1.0)(clip)['imgs']
    assert [f[0, 0].tolist() for f in out] == [[0, 127, 127], [0, 55, 60]]


def two_clips():
    frames = [np.full((20, 20, 3), 200, np.uint8) for _ in range(6)]
    return dict(imgs=frames, num_clips=2, clip_len=3)


@pytest.mark.parametrize('op', [
    ClipGaussianBlur(p=(1.0, 0.1)),
    ClipRandomSolarize(p=(0.0, 0.2)),
])
def test_probabilities_per_clip(op):
    np.random.seed(6)
    op.augment = lambda clip: 255 - clip  # visible whenever applied
    calls = 1000
    changed = np.zeros(2)
    for _ in range(calls):
        sample = two_clips()
        before = np.stack(sample['imgs']).reshape(2, 3, 20, 20, 3)
        after = np.stack(op(sample)['imgs']).reshape(2, 3, 20, 20, 3)
        for clip in range(2):
            changed[clip] += not np.array_equal(before[clip], after[clip])
            # one draw for all frames of a clip
            assert all(np.array_equal(f, after[clip, 0]) for f in after[clip])
    # binomial standard deviation at n=1000 is at most 0.016
    np.testing.assert_allclose(changed / calls, op.p, atol=0.05)


def test_per_clip_probabilities_need_one_per_clip():
    op = ClipGaussianBlur(p=(1.0, 0.1))
    with pytest.raises(ValueError, match='2 probabilities for 1 clips'):
        PerView([dict(type='ClipGaussianBlur', p=(1.0, 0.1))])(two_clips())
    with pytest.raises(ValueError, match='p must be a probability'):
        ClipRandomSolarize(p=(0.5, 1.5))
    sample = two_clips()
    sample['clip_len'] = 4
    with pytest.raises(ValueError, match='6 frames for num_clips=2'):
        op(sample)


def test_jitter_draws_a_random_order():
    np.random.seed(5)
    jitter = ClipColorJitter()
    firsts = [jitter.draw()[0][0] for _ in range(2000)]
    names = ['brightness', 'contrast', 'saturation', 'hue']
    shares = [firsts.count(name) / 2000 for name in names]
    assert all(abs(share - 0.25) < 0.04 for share in shares), shares
