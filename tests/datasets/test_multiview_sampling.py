"""The shared contract of the temporal samplers (BaseMultiViewSampler), their
old argument names, and the seeding of the Clip* ops."""
from types import SimpleNamespace

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmcv.transforms import Compose

from scfa_mm.datasets import (BaseMultiViewSampler, CARLSampleFrames,
                              ClipColorJitter, CVRLSampleFrames, PerView,
                              TemporalMultiView, randomness)
from scfa_mm.datasets.transforms import clip_augment, wrappers

SAMPLERS = [
    (TemporalMultiView, dict(num_views=3, clip_len=8), None),
    (TemporalMultiView, dict(num_views=2, clip_len=8, test_mode=True), None),
    (CVRLSampleFrames, dict(clip_len=4, frame_interval=3), 3),
    (CVRLSampleFrames, dict(clip_len=4, num_views=5, test_mode=True), 2),
    (CARLSampleFrames, dict(clip_len=12), None),
    (CARLSampleFrames, dict(clip_len=12, crop_law='paper'), None),
    (CARLSampleFrames, dict(test_mode=True), None),
]


@pytest.fixture(autouse=True)
def no_seeding_state():
    randomness._epoch_state = None
    randomness._mixed_worker_seed = None
    yield
    randomness._epoch_state = None
    randomness._mixed_worker_seed = None


@pytest.mark.parametrize('cls, kwargs, interval', SAMPLERS)
@pytest.mark.parametrize('total_frames', [5, 40])
def test_every_sampler_writes_the_view_contract(cls, kwargs, interval,
                                                total_frames):
    sampler = cls(**kwargs)
    assert isinstance(sampler, BaseMultiViewSampler)
    np.random.seed(0)
    views, extra = sampler.sample_views(total_frames)
    np.random.seed(0)
    results = sampler(
        dict(total_frames=total_frames, start_index=1, filename='v.mp4'))
    num_views = sampler.num_views
    # CARL's test view is the whole video
    clip_len = total_frames if cls is CARLSampleFrames \
        and sampler.test_mode else sampler.clip_len
    assert (results['num_clips'], results['clip_len']) == (num_views, clip_len)
    assert results['frame_interval'] == interval
    inds = results['frame_inds']
    assert inds.dtype == np.int64 and inds.shape == (num_views * clip_len, )
    # view-major, start_index added, every index inside the video
    np.testing.assert_array_equal(inds.reshape(num_views, clip_len) - 1, views)
    assert 1 <= inds.min() and inds.max() <= total_frames
    for key, value in extra.items():
        np.testing.assert_array_equal(results[key], value)
    if cls is CARLSampleFrames:
        np.testing.assert_array_equal(results['frame_timestamps'], views)
        assert results['frame_mask'].shape == views.shape


def test_frames_needed_is_where_views_stop_repeating():
    np.random.seed(1)
    # TemporalMultiView: clip_len frames; one fewer repeats a frame
    sampler = TemporalMultiView(num_views=2, clip_len=8)
    assert sampler.frames_needed == 8
    for total, repeats in ((8, False), (7, True)):
        views, _ = sampler.sample_views(total)
        assert (np.diff(views, axis=1) == 0).any() == repeats
    # CVRL: one clip's span, (4 - 1) * 3 + 1; one fewer wraps around
    sampler = CVRLSampleFrames(clip_len=4, frame_interval=3)
    assert sampler.frames_needed == 10
    views, _ = sampler.sample_views(10)
    np.testing.assert_array_equal(views, [[0, 3, 6, 9]] * 2)
    views, _ = sampler.sample_views(9)
    assert (np.diff(views, axis=1) < 0).any()
    # CARL: clip_len frames; fewer always leaves padding slots in a view
    sampler = CARLSampleFrames(clip_len=12)
    assert sampler.frames_needed == 12
    assert CARLSampleFrames(clip_len=12, test_mode=True).frames_needed == 1
    full_views = 0
    for _ in range(20):
        _, extra = sampler.sample_views(11)
        assert (~extra['frame_mask']).sum(axis=1).min() >= 1
        _, extra = sampler.sample_views(12)
        full_views += extra['frame_mask'].all(axis=1).sum()
    # at 12 frames a view is all real when its window is 12 (P = 1 / 6)
    assert full_views > 0


def test_a_sampler_must_say_how_it_samples_and_what_it_needs():
    """Both halves are abstract: a sampler without either is refused when
    built, not when a config first samples a video."""

    class WithoutFramesNeeded(BaseMultiViewSampler):

        def sample_views(self, total_frames):
            return np.zeros((self.num_views, self.clip_len), np.int64), {}

    class WithoutSampleViews(BaseMultiViewSampler):
        frames_needed = 1

    for cls, missing in ((WithoutFramesNeeded, 'frames_needed'),
                         (WithoutSampleViews, 'sample_views')):
        with pytest.raises(TypeError, match=missing):
            cls(2, 4, False)


@pytest.mark.parametrize('new, old', [
    (dict(type='CVRLSampleFrames', clip_len=4, num_views=2),
     dict(type='CVRLSampleFrames', clip_len=4, num_clips=2)),
    (dict(type='CVRLSampleFrames', num_views=3, test_mode=True),
     dict(type='CVRLSampleFrames', num_clips=3, test_mode=True)),
    (dict(type='CARLSampleFrames', clip_len=10, crop_law='paper'),
     dict(type='CARLSampleFrames', num_frames=10, crop_law='paper')),
])
def test_old_argument_names_build_the_same_sampler(new, old):
    new, old = TRANSFORMS.build(new), TRANSFORMS.build(old)
    assert repr(new) == repr(old)
    assert vars(new) == vars(old)
    for seed in range(3):
        draws = []
        for sampler in (new, old):
            np.random.seed(seed)
            draws.append(sampler(dict(total_frames=37))['frame_inds'])
        np.testing.assert_array_equal(*draws)


def test_old_and_new_names_must_agree():
    assert CVRLSampleFrames(num_views=2, num_clips=2).num_views == 2
    assert CARLSampleFrames(clip_len=9, num_frames=9).clip_len == 9
    with pytest.raises(
            ValueError, match='num_views=3 and its old name num_clips=2'):
        CVRLSampleFrames(num_views=3, num_clips=2, test_mode=True)
    with pytest.raises(
            ValueError, match='clip_len=8 and its old name num_frames=80'):
        CARLSampleFrames(clip_len=8, num_frames=80)


def test_phase_labels_load_from_every_old_place():
    from scfa_mm.datasets import LoadFramePhaseLabels as from_package
    from scfa_mm.datasets.transforms import LoadFramePhaseLabels
    from scfa_mm.datasets.transforms.carl_sampling import \
        LoadFramePhaseLabels as from_carl
    from scfa_mm.datasets.transforms.loading import \
        LoadFramePhaseLabels as from_loading
    assert from_package is LoadFramePhaseLabels is from_carl is from_loading
    assert TRANSFORMS.get('LoadFramePhaseLabels') is from_loading


# --- seeding of the Clip* ops -------------------------------------------


@TRANSFORMS.register_module(force=True)
class FakeDecode:
    """Frames from frame_inds, without touching the global generators."""

    def __call__(self, results):
        results['imgs'] = [
            np.random.default_rng(int(i)).integers(
                0, 256, (8, 8, 3), dtype=np.uint8)
            for i in results['frame_inds']
        ]
        results['img_shape'] = results['original_shape'] = (8, 8)
        results['modality'] = 'RGB'
        return results


def two_clips(sample_idx):
    """A sample of two identical 2-frame clips, no sampler run."""
    frame = np.full((8, 8, 3), 120, np.uint8)
    frame[:, :4] = (200, 60, 30)
    return dict(
        imgs=[frame.copy() for _ in range(4)],
        num_clips=2,
        clip_len=2,
        img_shape=(8, 8),
        sample_idx=sample_idx,
        filename='v.mp4')


def run_epochs(pipeline, epochs=2, samples=3):
    """``[[imgs of sample i]]`` per epoch, with the global generator reset
    before every sample, as in a data worker that restarts every epoch."""
    out = []
    for epoch in range(epochs):
        randomness.set_data_epoch(7, epoch)
        epoch_imgs = []
        for index in range(samples):
            np.random.seed(0)
            epoch_imgs.append(np.stack(pipeline(two_clips(index))['imgs']))
        out.append(epoch_imgs)
    return out


@pytest.mark.parametrize('per_view', [False, True])
def test_clip_ops_draw_anew_every_epoch_without_a_plugin_sampler(per_view):
    ops = [ClipColorJitter(p=1.0)]
    pipeline = PerView([dict(type='ClipColorJitter', p=1.0)]) \
        if per_view else Compose(ops)
    first, second = run_epochs(pipeline)
    for before, after in zip(first, second):
        assert not np.array_equal(before, after)
    # ... and the same for the same seed, epoch and sample
    np.testing.assert_array_equal(
        np.stack(run_epochs(pipeline)[0]), np.stack(first))
    for imgs in first:
        # two views of one sample get their own colours, the frames of a
        # view the same (PerView seeds once: a view seeding alone would
        # give both views the same draws)
        assert not np.array_equal(imgs[0], imgs[2])
        np.testing.assert_array_equal(imgs[0], imgs[1])


SEEDED_PIPELINE = [
    dict(type='TemporalMultiView', num_views=2, clip_len=3),
    dict(type='FakeDecode'),
    dict(
        type='PerView',
        transforms=[
            dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
            dict(type='Resize', scale=(6, 6), keep_ratio=False),
            dict(type='ClipColorJitter', p=0.8),
            dict(type='ClipRandomGrayscale', p=0.5),
        ]),
    dict(type='ClipGaussianBlur', p=(1.0, 0.5)),
    dict(type='ClipRandomSolarize', p=(0.0, 0.5)),
]


def seeded_draws(hook):
    """Frames of three samples of two epochs through SEEDED_PIPELINE, with
    the hook's seeding or the per-worker one (a fake worker)."""
    pipeline = Compose([TRANSFORMS.build(t) for t in SEEDED_PIPELINE])
    out = []
    for epoch in range(2):
        randomness._mixed_worker_seed = None
        if hook:
            randomness.set_data_epoch(3, epoch)
        for index in range(3):
            np.random.seed(index)
            results = pipeline(
                dict(total_frames=40, start_index=0, sample_idx=index))
            out.append((np.stack(results['imgs']), results['frame_inds'],
                        np.random.randint(2**31)))
    return out


@pytest.mark.parametrize('hook', [True, False])
def test_seeding_again_leaves_sampler_seeded_draws_alone(hook, monkeypatch):
    """A pipeline whose sampler seeds the sample draws the same numbers as
    before the Clip* ops and PerView seeded too: the seeding of a sample
    that is seeded already is a no-op (per sample: the sample is marked;
    per worker: the worker's seed is mixed in once)."""
    monkeypatch.setattr(randomness, 'get_worker_info',
                        lambda: SimpleNamespace(seed=12345))
    seeded = seeded_draws(hook)
    monkeypatch.setattr(clip_augment, 'seed_sample', lambda results: None)
    monkeypatch.setattr(wrappers, 'seed_sample', lambda results: None)
    unseeded = seeded_draws(hook)
    for (imgs, inds, draw), (old_imgs, old_inds,
                             old_draw) in zip(seeded, unseeded):
        np.testing.assert_array_equal(imgs, old_imgs)
        np.testing.assert_array_equal(inds, old_inds)
        assert draw == old_draw


@pytest.mark.parametrize('hook', [True, False])
def test_a_second_seeding_of_a_sample_draws_nothing(hook, monkeypatch):
    monkeypatch.setattr(randomness, 'get_worker_info',
                        lambda: SimpleNamespace(seed=99))
    if hook:
        randomness.set_data_epoch(1, 0)
    results = dict(sample_idx=4)
    randomness.seed_sample(results)
    _, keys, position, *_ = np.random.get_state()
    randomness.seed_sample(results)
    _, keys_after, position_after, *_ = np.random.get_state()
    np.testing.assert_array_equal(keys_after, keys)
    assert position_after == position
