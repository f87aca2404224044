"""Per-view augmentation on the device (PerViewOnDevice +
ClipAugmentDataPreprocessor) against OpenCV and against the CPU path."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.dataset import Compose

from scfa_mm.datasets import randomness
from scfa_mm.datasets.transforms import functional
from scfa_mm.datasets.transforms.device_augment import stack_view_augment
from ..conftest import REPO_ROOT, video_path

# CVRL's augmentation (configs/_base_/datasets/kinetics400_cvrl.py) at a
# small size: the same ranges and probabilities
CVRL = Config.fromfile(
    osp.join(REPO_ROOT, 'configs', '_base_', 'datasets',
             'kinetics400_cvrl.py'))
PER_CLIP = [
    dict(t, scale=(40, 40)) if t['type'] == 'Resize' else dict(t)
    for t in CVRL.per_clip_augmentation
]
ASYMMETRIC = [dict(t) for t in CVRL.asymmetric_augmentation]
PACK = dict(type='PackActionInputs', algorithm_keys=('view_augment', ))


@pytest.fixture(autouse=True)
def no_epoch_state():
    randomness._epoch_state = None
    yield
    randomness._epoch_state = None


def device_pipeline(transforms=PER_CLIP + ASYMMETRIC):
    return Compose([
        dict(type='PerViewOnDevice', transforms=transforms),
        dict(type='FormatShape', input_format='NCTHW'), PACK
    ])


def preprocessor(**kwargs):
    cfg = dict(
        type='ClipAugmentDataPreprocessor', mean=[0, 0, 0], std=[1, 1, 1])
    return MODELS.build({**cfg, **kwargs})


def scene(height=48, width=64, num_frames=4):
    """Frames with colour, texture and a bright left half (so that a flip,
    a crop and every colour op change their statistics)."""
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:height, 0:width]
    frames = []
    for t in range(num_frames):
        frame = np.stack([
            120 + 100 * np.sin(xs / 7 + t), 60 + 0.2 * ys * xs / 8,
            200 - 2 * ys
        ], -1) + rng.normal(0, 12, (height, width, 3))
        frame[:, :width // 2] += 50
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames


def sample(frames, num_views=2, **extra):
    return dict(
        imgs=list(frames) * num_views,
        num_clips=num_views,
        clip_len=len(frames),
        img_shape=frames[0].shape[:2],
        label=0,
        modality='RGB',
        **extra)


def augment_on_device(packed, training=True, **kwargs):
    out = preprocessor(**kwargs)(dict(
        inputs=[p['inputs'] for p in packed],
        data_samples=[p['data_samples'] for p in packed]), training)
    return out['inputs']


def as_torch(clip):
    """(T, H, W, 3) -> (1, 3, T, H, W) float64."""
    return torch.from_numpy(np.asarray(clip, np.float64)).permute(3, 0, 1,
                                                                  2)[None]


def as_numpy(clips):
    return clips[0].permute(1, 2, 3, 0).numpy()


def hsv_per_frame(clip, channel, change):
    """Saturation or hue through OpenCV's HSV, frame by frame."""
    out = []
    for frame in clip.astype(np.float32):
        hsv = cv2.cvtColor(frame / 255, cv2.COLOR_RGB2HSV)
        hsv[..., channel] = change(hsv[..., channel])
        out.append(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255)
    return np.clip(np.stack(out), 0, 255)


@pytest.mark.parametrize('op, value, expected', [
    ('brightness', 1.4, lambda c: np.clip(c * 1.4, 0, 255)),
    ('contrast', 0.3, lambda c: np.clip(
        c.mean((0, 1, 2)) + 0.3 * (c - c.mean((0, 1, 2))), 0, 255)),
    ('contrast', 1.8, lambda c: np.clip(
        c.mean((0, 1, 2)) + 1.8 * (c - c.mean((0, 1, 2))), 0, 255)),
    ('saturation', 0.4,
     lambda c: hsv_per_frame(c, 1, lambda s: np.clip(s * 0.4, 0, 1))),
    ('saturation', 1.9,
     lambda c: hsv_per_frame(c, 1, lambda s: np.clip(s * 1.9, 0, 1))),
    ('hue', 0.15, lambda c: hsv_per_frame(c, 0, lambda h: (h + 54) % 360)),
    ('hue', -0.45, lambda c: hsv_per_frame(c, 0, lambda h: (h - 162) % 360)),
])
def test_colour_ops_match_opencv(op, value, expected):
    clip = np.stack(scene(20, 24, 3)).astype(np.float64)
    clip[0, :4, :4] = 90  # grey pixels have no hue
    out = as_numpy(functional.COLOR_OPS[op](as_torch(clip),
                                            torch.tensor([value])))
    np.testing.assert_allclose(out, expected(clip), atol=0.01)


def test_blur_and_grayscale_match_opencv():
    clip = np.stack(scene(30, 24, 2)).astype(np.float64)
    size = functional.blur_kernel_size(30)
    assert size == 3
    kernel = cv2.getGaussianKernel(size, 0.7, cv2.CV_64F)
    expected = np.stack([
        cv2.sepFilter2D(f, -1, kernel, kernel, borderType=cv2.BORDER_CONSTANT)
        for f in clip
    ])
    out = as_numpy(
        functional.gaussian_blur(as_torch(clip), torch.tensor([0.7])))
    np.testing.assert_allclose(out, expected, atol=1e-6)
    grey = as_numpy(functional.to_grayscale(as_torch(clip)))
    luma = clip @ np.array([0.2989, 0.5870, 0.1140])
    np.testing.assert_allclose(grey, np.repeat(luma[..., None], 3, -1))


@pytest.mark.parametrize('box, size', [((5, 3, 50, 40), (44, 60)),
                                       ((10, 0, 30, 48), (12, 7))])
@pytest.mark.parametrize('flip', [False, True])
def test_resized_crop_is_opencvs_resize_of_the_crop(box, size, flip):
    clip = np.stack(scene(48, 64, 2)).astype(np.float64)
    x1, y1, x2, y2 = box
    expected = np.stack([
        cv2.resize(
            f[y1:y2, x1:x2], size[::-1], interpolation=cv2.INTER_LINEAR)
        for f in clip
    ])
    if flip:
        expected = expected[:, :, ::-1]
    out = as_numpy(
        functional.resized_crop(
            as_torch(clip), torch.tensor([box]), size, torch.tensor([flip])))
    np.testing.assert_allclose(out, expected, atol=1e-6)


def draws(num_samples, transforms=PER_CLIP + ASYMMETRIC, seed=0):
    np.random.seed(seed)
    pipeline = Compose([dict(type='PerViewOnDevice', transforms=transforms)])
    frames = scene()
    return [
        pipeline(sample(frames))['view_augment'] for _ in range(num_samples)
    ]


def test_draws_have_the_ranges_and_probabilities_of_the_config():
    num = 2000
    crop, jitter, grey, blur, solarize = stack_view_augment(draws(num))
    # rows alternate view 0, view 1
    x1, y1, x2, y2 = crop['box'].T
    assert (x1 >= 0).all() and (y1 >= 0).all()
    assert (x2 <= 64).all() and (y2 <= 48).all()
    area = (x2 - x1) * (y2 - y1) / (64 * 48)
    aspect = (x2 - x1) / (y2 - y1)
    centre_square = (x2 - x1 == 48) & (y2 - y1 == 48)  # the fallback
    rounding = 0.06
    assert ((area >= 0.3 - rounding) | centre_square).all()
    assert ((aspect >= 0.5 - rounding) & (aspect <= 2 + rounding)).all()
    assert (crop['size'] == 40).all()
    # binomial standard deviation at n=2000 is at most 0.011
    for values, p in ((crop['flip'], (0.5, 0.5)), (jitter['apply'], (0.8,
                                                                     0.8)),
                      (grey['apply'], (0.2, 0.2)), (blur['apply'], (1.0, 0.1)),
                      (solarize['apply'], (0.0, 0.2))):
        np.testing.assert_allclose([values[0::2].mean(), values[1::2].mean()],
                                   p,
                                   atol=0.04)
    for name in ('brightness', 'contrast', 'saturation'):
        assert jitter[name].min() >= 0.2 and jitter[name].max() <= 1.8
        assert abs(jitter[name].mean() - 1) < 0.03
    assert np.abs(jitter['hue']).max() <= 0.2
    assert (np.sort(jitter['order'], axis=1) == [0, 1, 2, 3]).all()
    shares = np.bincount(jitter['order'][:, 0], minlength=4) / (2 * num)
    np.testing.assert_allclose(shares, 0.25, atol=0.03)
    assert blur['sigma'].min() >= 0.1 and blur['sigma'].max() <= 2.0
    # independent between views: no correlation of the two views' draws
    for values in (jitter['brightness'], blur['sigma'], x1, area):
        correlation = np.corrcoef(values[0::2], values[1::2])[0, 1]
        assert abs(correlation) < 0.1, correlation


def test_random_apply_draws_once_for_its_ops():
    # CARL's recipe: jitter and (p 0.5) blur together with p 0.8
    transforms = [
        dict(
            type='RandomApply',
            prob=0.8,
            transforms=[
                dict(type='ClipColorJitter', p=1.0),
                dict(type='ClipGaussianBlur', p=0.5)
            ])
    ]
    _, jitter, blur = stack_view_augment(draws(2000, transforms))
    assert abs(jitter['apply'].mean() - 0.8) < 0.03
    assert abs(blur['apply'].mean() - 0.4) < 0.03
    # the blur only where the jitter was applied
    assert not (blur['apply'] & ~jitter['apply']).any()


def test_every_frame_of_a_view_alike_and_views_independent():
    np.random.seed(3)
    frame = scene(num_frames=1)[0]
    packed = [
        device_pipeline()(sample([frame] * 4, num_views=2)) for _ in range(4)
    ]
    clips = augment_on_device(packed)  # (N, V, 3, T, h, w)
    assert clips.shape == (4, 2, 3, 4, 40, 40)
    for views in clips:
        for view in views:
            assert all(torch.equal(view[:, t], view[:, 0]) for t in range(4))
        assert not torch.equal(views[0], views[1])


def test_draws_replay_for_the_same_seed_epoch_and_sample():
    pipeline = Compose([dict(type='PerViewOnDevice', transforms=PER_CLIP)])
    frames = scene()

    def draw(epoch, index):
        randomness.set_data_epoch(7, epoch)
        np.random.seed(123 + epoch + index)  # whatever ran before
        return pipeline(sample(frames, sample_idx=index))['view_augment']

    def boxes(record):
        return record[0]['box'].tolist()

    assert boxes(draw(2, 5)) == boxes(draw(2, 5))
    assert boxes(draw(2, 5)) != boxes(draw(3, 5))
    assert boxes(draw(2, 5)) != boxes(draw(2, 6))


def test_output_dtype_range_and_autocast():
    np.random.seed(0)
    packed = [device_pipeline()(sample(scene())) for _ in range(3)]
    plain = augment_on_device(packed)
    assert plain.dtype == torch.float32
    assert plain.min() >= 0 and plain.max() <= 255
    with torch.autocast('cpu', dtype=torch.bfloat16):
        autocast = augment_on_device(packed)
    assert torch.equal(plain, autocast)
    # normalised as the parent does
    normalised = augment_on_device(packed, mean=[10, 20, 30], std=[2, 4, 5])
    expected = (plain - torch.tensor([10., 20, 30]).view(3, 1, 1, 1)) / (
        torch.tensor([2., 4, 5]).view(3, 1, 1, 1))
    torch.testing.assert_close(normalised, expected)


def test_frames_of_different_sizes_in_one_batch():
    np.random.seed(1)
    packed = [
        device_pipeline()(sample(scene(48, 64))),
        device_pipeline()(sample(scene(40, 72)))
    ]
    together = augment_on_device(packed)
    assert together.shape == (2, 2, 3, 4, 40, 40)
    # each video with its own draws, as if augmented alone
    for index, one in enumerate(packed):
        torch.testing.assert_close(together[index],
                                   augment_on_device([one])[0])


def test_test_batches_are_only_normalised():
    packed = Compose([dict(type='FormatShape', input_format='NCTHW'), PACK])(
        sample(scene()))
    out = augment_on_device([packed], training=False)
    assert torch.equal(out[0], packed['inputs'].float())


def test_refusals_name_what_is_wrong():
    np.random.seed(0)
    unpacked = Compose([
        dict(type='PerViewOnDevice', transforms=PER_CLIP),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ])(
        sample(scene()))
    with pytest.raises(ValueError, match="without 'view_augment'"):
        augment_on_device([unpacked])
    packed = device_pipeline()(sample(scene()))
    with pytest.raises(ValueError, match='1 of 2 samples'):
        augment_on_device([packed, unpacked])
    with pytest.raises(ValueError, match="format_shape must be 'NCTHW'"):
        preprocessor(format_shape='NCHW')
    with pytest.raises(ValueError, match='CenterCrop is not supported'):
        device_pipeline([dict(type='CenterCrop', crop_size=8)])
    with pytest.raises(ValueError, match='crop, resize and flip come first'):
        device_pipeline(PER_CLIP[3:] + PER_CLIP[:3])
    with pytest.raises(ValueError, match='needs a fixed-size Resize'):
        device_pipeline(PER_CLIP[:1])
    with pytest.raises(ValueError, match='RandomResizedCrop after a Resize'):
        device_pipeline([PER_CLIP[1], PER_CLIP[0]])
    with pytest.raises(ValueError, match='2 probabilities for 3 views'):
        device_pipeline()(sample(scene(), num_views=3))


def view_statistics(clips):
    """Per view, as rows: channel means, channel spatial stds, left minus
    right brightness (flips), mean |horizontal gradient| (blur, crop
    scale), grey share (grayscale), share of values >= 128 (solarise)."""
    clips = clips.double()  # (V, 3, T, h, w)
    width = clips.shape[-1]
    return torch.cat([
        clips.mean((2, 3, 4)),
        clips.std((2, 3, 4)),
        (clips[..., :width // 2].mean(
            (1, 2, 3, 4)) - clips[..., width // 2:].mean(
                (1, 2, 3, 4)))[:, None],
        clips.diff(dim=-1).abs().mean((1, 2, 3, 4))[:, None],
        (clips.std(1) < 1).double().mean((1, 2, 3))[:, None],
        (clips >= 128).double().mean((1, 2, 3, 4))[:, None],
    ], 1).numpy()


STATISTICS = [f'mean {c}' for c in 'RGB'] + [f'std {c}' for c in 'RGB'] + [
    'left - right', '|d/dx|', 'grey share', 'share >= 128'
]


def compare_paths(num_samples, seed=0):
    """Per view index and statistic: mean over samples of the CPU path
    (PerView with the Clip* transforms) and the device path, and their
    difference in standard errors."""
    frames = scene()
    np.random.seed(seed)
    cpu = Compose([
        dict(type='PerView', transforms=PER_CLIP), *ASYMMETRIC,
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ])
    cpu_stats = np.stack([
        view_statistics(cpu(sample(frames))['inputs'])
        for _ in range(num_samples)
    ])
    packed = [device_pipeline()(sample(frames)) for _ in range(num_samples)]
    device_stats = np.stack(
        [view_statistics(clips) for clips in augment_on_device(packed)])
    error = np.sqrt((cpu_stats.var(0) + device_stats.var(0)) / num_samples)
    difference = device_stats.mean(0) - cpu_stats.mean(0)
    return cpu_stats.mean(0), device_stats.mean(0), difference / np.maximum(
        error, 1e-9)


def test_cpu_and_device_paths_agree_in_distribution():
    cpu, device, z = compare_paths(300)
    assert np.abs(z).max() < 4, dict(zip(STATISTICS, np.abs(z).max(0)))
    # the statistics can tell the views apart: view 0 is always blurred
    # and never solarised, view 1 rarely blurred and 20% solarised
    assert cpu[0, 7] < 0.9 * cpu[1, 7]
    assert abs(cpu[:, 6]).max() < 5  # flips balance the bright left half


def test_a_path_without_flips_would_fail_the_comparison():
    frames = scene()
    np.random.seed(0)
    packed = [
        device_pipeline([t for t in PER_CLIP
                         if t['type'] != 'Flip'])(sample(frames))
        for _ in range(100)
    ]
    unflipped = np.stack(
        [view_statistics(clips) for clips in augment_on_device(packed)])
    # the left half stays brighter: the comparison's left - right statistic
    # would be tens of standard errors off
    assert unflipped[:, :, 6].mean() > 10


@pytest.mark.parametrize('config, preprocessor_type', [
    ('cvrl_r3d50_16xb64-200e_kinetics400.py', 'ClipAugmentDataPreprocessor'),
    ('cvrl_r3d50_16xb64-200e_kinetics400_cpu-augment.py',
     'ActionDataPreprocessor'),
])
def test_cvrl_config_paths_give_the_model_the_same_input(
        config, preprocessor_type):
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/cvrl/{config}')
    assert cfg.model.data_preprocessor.type == preprocessor_type
    np.random.seed(0)
    packed = Compose(cfg.train_dataloader.dataset.pipeline)(
        dict(
            filename=video_path('clip_340x256_300f.mp4'),
            label=0,
            start_index=0,
            modality='RGB'))
    model_input = MODELS.build(cfg.model.data_preprocessor)(dict(
        inputs=[packed['inputs']], data_samples=[packed['data_samples']]),
                                                            True)['inputs']
    # normalised clip pairs at 224x224, whichever side augmented
    assert model_input.shape == (1, 2, 3, 16, 224, 224)
    assert model_input.dtype == torch.float32
    assert -2.2 < model_input.min() and model_input.max() < 2.7
