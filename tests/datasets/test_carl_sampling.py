import math
import random

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose

from scfa_mm.datasets.transforms import CARLSampleFrames, LoadFramePhaseLabels
from ..conftest import VIDEOS, video_path


def draw(sampler, total_frames, seed):
    np.random.seed(seed)
    return sampler.transform(dict(total_frames=total_frames, filename='v.mp4'))


def release_views(rng, total_frames, num_frames=80, alpha=1.5):
    """The release's ``time_augment`` restated plainly (two independent
    views, offset 0): timestamps and mask, lists of ``num_frames``."""
    views = []
    for _ in range(2):
        window = math.ceil(rng.uniform(1, alpha) * total_frames)
        drawn = min(total_frames, num_frames)
        positions = sorted(rng.sample(range(window), drawn))
        positions += [total_frames] * (num_frames - drawn)
        views.append(
            ([min(p, total_frames - 1)
              for p in positions], [p < total_frames for p in positions]))
    return views


def statistics(pairs, total_frames):
    """Per draw: are the views identical, and per view: coverage
    ``(last valid - first valid) / S`` and number of valid frames."""
    identical, coverage, valid = [], [], []
    for (steps0, mask0), (steps1, mask1) in pairs:
        identical.append(
            np.array_equal(steps0, steps1) and np.array_equal(mask0, mask1))
        for steps, mask in ((steps0, mask0), (steps1, mask1)):
            real = np.asarray(steps)[np.asarray(mask)]
            coverage.append((real[-1] - real[0]) / total_frames)
            valid.append(len(real))
    return (np.array(identical), np.array(coverage), np.array(valid))


def sampler_pairs(sampler, total_frames, draws, seed=0):
    np.random.seed(seed)
    pairs = []
    for _ in range(draws):
        steps, mask = sampler.sample(total_frames)
        pairs.append(((steps[0], mask[0]), (steps[1], mask[1])))
    return pairs


def release_valid_share(total_frames, num_frames=80, alpha=1.5):
    """Expected share of valid slots of a release view, worked by hand:
    ``min(S, T)`` positions out of ``W = ceil(u S)`` hit ``S`` real frames
    each with probability ``S / W`` (hypergeometric mean), and ``W = k``
    for ``u`` in ``((k - 1) / S, k / S]``, an interval of ``U[1, alpha)``
    of length ``(min(k, alpha S) - max(k - 1, S)) / S``."""
    expected_ratio = 0.0
    for k in range(total_frames + 1, math.ceil(alpha * total_frames) + 1):
        p_k = (min(k, alpha * total_frames) - max(k - 1, total_frames)) / (
            (alpha - 1) * total_frames)
        expected_ratio += p_k * total_frames / k
    return min(total_frames, num_frames) / num_frames * expected_ratio


def assert_close(got, want, standard_error, what):
    assert abs(got - want) <= 5 * standard_error + 1e-9, (
        f'{what}: got {got:.4f}, expected {want:.4f} '
        f'(5 standard errors: {5 * standard_error:.4f})')


@pytest.mark.parametrize('total_frames', [40, 80, 120, 300])
def test_release_law_matches_its_plain_restatement(total_frames):
    draws = 600
    ours = statistics(
        sampler_pairs(CARLSampleFrames(), total_frames, draws), total_frames)
    rng = random.Random(1)
    plain = statistics(
        [release_views(rng, total_frames) for _ in range(draws)], total_frames)
    # two views alike only by chance: the plain law gives about 1e-4 of
    # the pairs for S = 40 (1e5 draws), fewer for longer videos
    assert ours[0].mean() <= 0.01 and plain[0].mean() <= 0.01
    for name, got, want in (('coverage', ours[1], plain[1]),
                            ('valid frames', ours[2], plain[2])):
        error = math.hypot(got.std(), want.std()) / math.sqrt(got.size)
        assert_close(got.mean(), want.mean(), error, name)
    # the closed form of the share of valid slots
    share = ours[2] / 80
    assert_close(share.mean(), release_valid_share(total_frames),
                 share.std() / math.sqrt(share.size), 'valid share')
    # a release view spans (nearly) the whole video, even at S = 300 where
    # a crop of the paper law covers at most 120 / 300 = 40% of it
    assert ours[1].mean() > 0.9


def test_release_valid_share_for_short_and_long_videos_by_hand():
    # E[1/u] for u ~ U[1, 1.5] is 2 ln 1.5: the closed form tends to it
    # (times min(S, T) / T) as ceil stops mattering
    assert release_valid_share(300) == pytest.approx(
        2 * math.log(1.5), abs=2e-3)
    assert release_valid_share(40) == pytest.approx(
        0.5 * 2 * math.log(1.5), abs=5e-3)


def test_release_window_lengths_follow_u_uniform():
    sampler = CARLSampleFrames(clip_len=80, max_crop_ratio=1.5)
    np.random.seed(0)
    windows = np.array([sampler.release_window(40) for _ in range(4000)])
    # ceil(u * 40) for u ~ U[1, 1.5): 41 .. 60, each with probability 1/20
    assert windows.min() == 41 and windows.max() == 60
    counts = np.bincount(windows - 41, minlength=20)
    assert len(counts) == 20
    expected, error = 4000 / 20, math.sqrt(4000 * (1 / 20) * (19 / 20))
    assert (np.abs(counts - expected) <= 5 * error).all()
    assert CARLSampleFrames(max_crop_ratio=1).release_window(40) == 40


@pytest.mark.parametrize('total_frames', [1, 18, 40, 79, 80, 81, 300])
def test_release_views_are_sorted_padded_at_the_end_and_masked(total_frames):
    sampler = CARLSampleFrames(clip_len=80)
    drawn = min(total_frames, 80)
    # one drawn position of a window of 2 misses a one-frame video half the
    # time; from S = 2 on, at most W - S < S drawn positions are padding
    least_valid = 0 if total_frames == 1 else 1
    for seed in range(30):
        results = draw(sampler, total_frames, seed)
        steps, mask = results['frame_timestamps'], results['frame_mask']
        assert steps.shape == mask.shape == (2, 80)
        assert steps.dtype == np.int64 and mask.dtype == bool
        assert results['num_clips'] == 2 and results['clip_len'] == 80
        np.testing.assert_array_equal(results['frame_inds'], steps.reshape(-1))
        for view_steps, view_mask in zip(steps, mask):
            valid = int(view_mask.sum())
            # valid frames first, then padding; never more than drawn
            assert least_valid <= valid <= drawn
            assert view_mask[:valid].all()
            assert not view_mask[drawn:].any()  # the pad to T slots
            real = view_steps[:valid]
            assert (np.diff(real) > 0).all()
            assert (real < total_frames).all()
            assert (view_steps[valid:] == total_frames - 1).all()


def test_release_views_of_short_videos_differ():
    sampler = CARLSampleFrames(clip_len=80)
    for total_frames in (18, 40):
        pairs = sampler_pairs(sampler, total_frames, 400)
        identical = statistics(pairs, total_frames)[0]
        # identical only if both views keep the same real frames: about
        # 1e-3 of the pairs for S = 18 by the plain law (1e5 draws)
        assert identical.mean() <= 0.02


def test_paper_law_crops_respect_the_overlap_and_length_bounds():
    sampler = CARLSampleFrames(
        clip_len=20, max_crop_ratio=2.0, min_overlap=0.5, crop_law='paper')
    lengths_seen = set()
    for total_frames in (5, 20, 30, 100):
        for seed in range(150):
            np.random.seed(seed)
            starts, lengths = sampler.crops(total_frames)
            assert ((lengths >= 20) & (lengths <= 40)).all()
            lengths_seen.update(lengths.tolist())
            # a crop starts on a real frame; it runs past the video's end
            # (into padding) only when it starts at the first frame
            assert (starts >= 0).all() and (starts < total_frames).all()
            assert ((starts + lengths <= total_frames) | (starts == 0)).all()
            shared = min(starts + lengths) - max(starts)
            assert shared >= math.ceil(0.5 * lengths.min())
    assert lengths_seen == set(range(20, 41))  # the whole range is drawn


@pytest.mark.parametrize('total_frames', [120, 121, 500])
def test_paper_law_views_of_long_videos_are_crops_of_real_frames(total_frames):
    sampler = CARLSampleFrames(
        clip_len=80, max_crop_ratio=1.5, min_overlap=0.2, crop_law='paper')
    for seed in range(40):
        results = draw(sampler, total_frames, seed)
        steps = results['frame_timestamps']
        assert steps.shape == (2, 80) and results['frame_mask'].all()
        for view in steps:
            assert (np.diff(view) > 0).all()  # distinct, in temporal order
            assert view.min() >= 0 and view.max() < total_frames
            # within a crop of at most floor(1.5 * 80) frames
            assert view.max() - view.min() + 1 <= 120


def test_paper_law_pads_short_videos_before_cropping():
    sampler = CARLSampleFrames(clip_len=80, crop_law='paper')
    pairs = sampler_pairs(sampler, 40, 400)
    identical, _, valid = statistics(pairs, 40)
    assert identical.mean() == 0  # padded to the crop, views differ
    for (steps, mask), _ in pairs:
        real = steps[mask]
        assert mask.any() and (np.diff(real) > 0).all()
        assert (steps[~mask] == 39).all()
    # both crops start at frame 0 and are L ~ U{80..120} slots long, the
    # first 40 real: T = 80 slots drawn of L hold 80 * 40 / L real frames
    # on average (hypergeometric mean)
    expected = np.mean([80 * 40 / length for length in range(80, 121)])
    assert_close(valid.mean(), expected,
                 valid.std() / math.sqrt(valid.size), 'valid frames')


def test_paper_law_gives_every_view_a_real_frame():
    sampler = CARLSampleFrames(clip_len=80, crop_law='paper')
    for seed in range(100):
        assert draw(sampler, 1, seed)['frame_mask'].any(axis=1).all()


def test_paper_law_views_come_in_random_order():
    sampler = CARLSampleFrames(clip_len=10, min_overlap=0.0, crop_law='paper')
    first_is_earlier = [
        draw(sampler, 400, seed)['frame_timestamps'][:, 0].argmin() == 0
        for seed in range(200)
    ]
    assert 60 < sum(first_is_earlier) < 140


def test_test_mode_takes_every_frame_once():
    results = CARLSampleFrames(
        clip_len=8, test_mode=True).transform(
            dict(total_frames=37, filename='v.mp4', start_index=1))
    assert results['num_clips'] == 1 and results['clip_len'] == 37
    np.testing.assert_array_equal(results['frame_timestamps'][0],
                                  np.arange(37))
    np.testing.assert_array_equal(results['frame_inds'], np.arange(1, 38))


def test_empty_video_and_bad_arguments_are_named():
    with pytest.raises(ValueError, match='broken.mp4'):
        CARLSampleFrames().transform(
            dict(total_frames=0, filename='broken.mp4'))
    with pytest.raises(ValueError, match='clip_len must be an integer'):
        CARLSampleFrames(clip_len=0)
    with pytest.raises(ValueError, match='clip_len must be an integer'):
        CARLSampleFrames(num_frames=0)  # the old name
    with pytest.raises(ValueError, match='max_crop_ratio'):
        CARLSampleFrames(max_crop_ratio=0.9)
    with pytest.raises(ValueError, match='min_overlap'):
        CARLSampleFrames(min_overlap=1.5)
    with pytest.raises(
            ValueError, match=r"crop_law.*'release', 'paper'.*"
            r"'crops'"):
        CARLSampleFrames(crop_law='crops')


def test_timestamps_match_the_decoded_frames():
    name = 'clip_340x256_300f.mp4'
    path = video_path(name)
    pipeline = Compose([
        dict(type='CheckedDecordInit'),
        dict(type='CARLSampleFrames', clip_len=12),
        dict(type='DecordDecode'),
    ])
    np.random.seed(5)
    results = pipeline(dict(filename=path, start_index=0, label=0))
    assert results['total_frames'] == VIDEOS[name]
    reference = Compose(
        [dict(type='CheckedDecordInit'),
         dict(type='DecordDecode')])
    for view in range(2):
        steps = results['frame_timestamps'][view]
        decoded = reference(
            dict(filename=path, start_index=0, frame_inds=steps))['imgs']
        for got, want in zip(results['imgs'][view * 12:(view + 1) * 12],
                             decoded):
            np.testing.assert_array_equal(got, want)


def write_labels(root, class_name, video, labels, split='train'):
    folder = root / split / class_name
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f'{video}.npy', np.asarray(labels))


def test_phase_labels_follow_the_sampled_frames(tmp_path):
    write_labels(tmp_path, 'pour', 'v1', np.repeat([0, 1, 2], [4, 3, 3]))
    loader = LoadFramePhaseLabels(str(tmp_path), class_names=['x', 'pour'])
    results = loader.transform(
        dict(
            filename='/data/videos/pour/v1.mp4',
            label=1,
            total_frames=10,
            frame_timestamps=np.array([[0, 3, 4, 9], [1, 2, 6, 8]])))
    np.testing.assert_array_equal(results['frame_labels'],
                                  [[0, 0, 1, 2], [0, 0, 1, 2]])


def test_missing_or_mismatched_labels_name_the_files(tmp_path):
    write_labels(tmp_path, 'pour', 'v1', [0, 0, 1])
    write_labels(tmp_path, 'pour', 'v3', [0, 0, 1], split='test')
    write_labels(tmp_path, 'pour', 'v3', [0, 0, 1], split='val')
    loader = TRANSFORMS.build(
        dict(
            type='LoadFramePhaseLabels',
            label_root=str(tmp_path),
            class_names=['pour']))
    with pytest.raises(ValueError, match=r'v1\.npy has 3 labels.*v1\.mp4.*4'):
        loader.transform(dict(filename='v1.mp4', label=0, total_frames=4))
    with pytest.raises(FileNotFoundError, match=r'v2\.mp4.*v2\.npy'):
        loader.transform(dict(filename='v2.mp4', label=0, total_frames=4))
    with pytest.raises(ValueError, match='several splits'):
        loader.transform(dict(filename='v3.mp4', label=0, total_frames=3))
    with pytest.raises(ValueError, match='label 3'):
        loader.transform(dict(filename='v1.mp4', label=3, total_frames=3))
