import math

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose

from scfa_mm.datasets.transforms import CARLSampleFrames, LoadFramePhaseLabels
from .conftest import VIDEOS, video_path


def draw(sampler, total_frames, seed):
    np.random.seed(seed)
    return sampler.transform(dict(total_frames=total_frames, filename='v.mp4'))


@pytest.mark.parametrize('total_frames', [80, 100, 119, 120, 500])
def test_views_have_crop_lengths_overlap_and_order(total_frames):
    sampler = CARLSampleFrames(
        num_frames=80, max_crop_ratio=1.5, min_overlap=0.2)
    for seed in range(40):
        results = draw(sampler, total_frames, seed)
        steps = results['frame_timestamps']
        assert steps.shape == (2, 80) and results['frame_mask'].all()
        assert results['num_clips'] == 2 and results['clip_len'] == 80
        np.testing.assert_array_equal(results['frame_inds'], steps.reshape(-1))
        for view in steps:
            assert (np.diff(view) > 0).all()  # distinct, in temporal order
            assert view.min() >= 0 and view.max() < total_frames
            # within a crop of at most floor(1.5 * 80) frames
            assert view.max() - view.min() + 1 <= 120


def test_crops_respect_the_overlap_and_length_bounds():
    sampler = CARLSampleFrames(
        num_frames=20, max_crop_ratio=2.0, min_overlap=0.5)
    lengths_seen = set()
    for seed in range(300):
        np.random.seed(seed)
        starts, lengths = sampler.crops(total_frames=100)
        assert ((lengths >= 20) & (lengths <= 40)).all()
        lengths_seen.update(lengths.tolist())
        assert (starts >= 0).all() and (starts + lengths <= 100).all()
        shared = min(starts + lengths) - max(starts)
        assert shared >= math.ceil(0.5 * lengths.min())
    assert lengths_seen == set(range(20, 41))  # the whole range is drawn


def test_views_come_in_random_order():
    sampler = CARLSampleFrames(num_frames=10, min_overlap=0.0)
    first_is_earlier = [
        draw(sampler, 400, seed)['frame_timestamps'][:, 0].argmin() == 0
        for seed in range(200)
    ]
    assert 60 < sum(first_is_earlier) < 140


def test_short_videos_are_padded_with_a_mask():
    results = draw(CARLSampleFrames(num_frames=8), 5, 0)
    expected = np.array([0, 1, 2, 3, 4, 4, 4, 4])
    for view in range(2):
        np.testing.assert_array_equal(results['frame_timestamps'][view],
                                      expected)
        np.testing.assert_array_equal(results['frame_mask'][view],
                                      [True] * 5 + [False] * 3)


def test_test_mode_takes_every_frame_once():
    results = CARLSampleFrames(
        num_frames=8, test_mode=True).transform(
            dict(total_frames=37, filename='v.mp4', start_index=1))
    assert results['num_clips'] == 1 and results['clip_len'] == 37
    np.testing.assert_array_equal(results['frame_timestamps'][0],
                                  np.arange(37))
    np.testing.assert_array_equal(results['frame_inds'], np.arange(1, 38))


def test_empty_video_and_bad_arguments_are_named():
    with pytest.raises(ValueError, match='broken.mp4'):
        CARLSampleFrames().transform(
            dict(total_frames=0, filename='broken.mp4'))
    with pytest.raises(ValueError, match='num_frames'):
        CARLSampleFrames(num_frames=0)
    with pytest.raises(ValueError, match='max_crop_ratio'):
        CARLSampleFrames(max_crop_ratio=0.9)
    with pytest.raises(ValueError, match='min_overlap'):
        CARLSampleFrames(min_overlap=1.5)


def test_timestamps_match_the_decoded_frames():
    name = 'clip_340x256_300f.mp4'
    path = video_path(name)
    pipeline = Compose([
        dict(type='CheckedDecordInit'),
        dict(type='CARLSampleFrames', num_frames=12),
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
