"""configs/blip/blip-base_grid-caption_msrvtt.py: SCFA grids into
MMPretrain's BLIP captioner, built at tiny sizes with random weights and a
tokenizer made from a local vocabulary (nothing is downloaded)."""
import copy
import json
import os.path as osp
import socket
import string

import cv2
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS, TRANSFORMS
from mmengine import Config
from mmengine.dataset import Compose
from mmengine.hub import get_config
from mmengine.registry import FUNCTIONS

from scfa_mm.datasets import VideoCaptionDataset
from scfa_mm.datasets.transforms.caption_packing import (GridAsImage,
                                                         SampleCaption)
from ..conftest import REPO_ROOT, video_path

CONFIG = osp.join(REPO_ROOT, 'configs', 'blip',
                  'blip-base_grid-caption_msrvtt.py')
RELEASE_CONFIG = 'mmpretrain::blip/blip-base_8xb32_caption.py'
# BLIP's pixel mean and std (RGB), as in MMPretrain's caption data config
BLIP_MEAN = np.array([122.770938, 116.7460125, 104.09373615])
BLIP_STD = np.array([68.5005327, 66.6321579, 70.32316305])


SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
# the prompt's words and those of the captions below: whole words only, so
# that any decoded word must be one of them
WORDS = [
    'a', 'picture', 'of', 'man', 'is', 'cleaning', 'the', 'pool', 'person',
    'water', 'in', 'blue'
]
CAPTIONS = ['A man is cleaning the pool.', 'A person in the blue water!']


@pytest.fixture
def no_network(monkeypatch):
    """Refuse every connection: a tokenizer or weight download fails."""
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    monkeypatch.setenv('TRANSFORMERS_OFFLINE', '1')

    def refuse(*args, **kwargs):
        raise OSError('the BLIP test must not use the network')

    monkeypatch.setattr(socket.socket, 'connect', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)


@pytest.fixture
def tokenizer_dir(tmp_path):
    folder = tmp_path / 'tokenizer'
    folder.mkdir()
    (folder / 'vocab.txt').write_text('\n'.join(SPECIAL + WORDS) + '\n')
    return str(folder)


def write_annotations(tmp_path, records):
    path = tmp_path / 'captions.json'
    path.write_text(json.dumps(records))
    return str(path)


def dataset_of(cfg, loader, ann_file, video_dir):
    dataset_cfg = copy.deepcopy(cfg[loader].dataset)
    dataset_cfg.update(ann_file=ann_file, data_prefix=dict(video=video_dir))
    dataset_cfg.pop('type')
    return VideoCaptionDataset(**dataset_cfg)


def tiny_model_cfg(cfg, tokenizer_dir):
    """The config's model at tiny sizes; every type is kept."""
    model = copy.deepcopy(cfg.model)
    model.vision_encoder.arch = dict(
        embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=64)
    model.tokenizer.name_or_path = tokenizer_dir
    model.decoder_head.decoder.med_config.update(
        hidden_size=32,
        intermediate_size=64,
        num_attention_heads=2,
        num_hidden_layers=2,
        max_position_embeddings=64,
        encoder_width=32,
        # the words, the special tokens and BLIP's [DEC] and [ENC]
        vocab_size=len(SPECIAL) + len(WORDS) + 2)
    return model


def decode_rgb(path, indices):
    """Frames ``indices`` of ``path`` through OpenCV, as RGB."""
    capture = cv2.VideoCapture(path)
    frames, index = {}, 0
    while index <= max(indices):
        ok, frame = capture.read()
        assert ok, f'{path} ends before frame {index}'
        if index in indices:
            frames[index] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        index += 1
    capture.release()
    return [frames[i] for i in indices]


def tile_by_loop(frames, cell):
    """A 4x4 grid, row-major in time, of frames resized to ``cell``."""
    grid = np.zeros((4 * cell, 4 * cell, 3), np.uint8)
    for t, frame in enumerate(frames):
        r, c = divmod(t, 4)
        grid[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] = cv2.resize(
            frame, (cell, cell), interpolation=cv2.INTER_CUBIC)
    return grid


def test_model_is_mmpretrains_blip_caption_unchanged():
    """The checkpoint of MMPretrain's caption config loads: same model,
    only the scope and the preprocessing of RGB frames added."""
    ours = Config.fromfile(CONFIG)
    release = get_config(RELEASE_CONFIG)
    model = copy.deepcopy(ours.model).to_dict()
    assert model.pop('_scope_') == 'mmpretrain'
    preprocessor = model.pop('data_preprocessor')
    assert model == release.model.to_dict()
    released = release.data_preprocessor
    assert preprocessor['type'] == released.type
    np.testing.assert_allclose(preprocessor['mean'], BLIP_MEAN)
    np.testing.assert_allclose(preprocessor['std'], BLIP_STD)
    np.testing.assert_allclose(released.mean, BLIP_MEAN)
    # MMPretrain loads images as BGR and flips them; our frames are RGB
    assert released.to_rgb and not preprocessor['to_rgb']


def test_pipelines_make_one_384_grid_of_16_frames():
    cfg = Config.fromfile(CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        samplers = [t for t in pipeline if t.type == 'TemporalMultiView']
        grids = [t for t in pipeline if t.type == 'GridAggregate']
        assert len(samplers) == len(grids) == 1, loader
        assert samplers[0].num_views == 1 and samplers[0].clip_len == 16
        assert tuple(grids[0].grid_shape) == (4, 4)
        rows, cols = grids[0].grid_shape
        cell_h, cell_w = grids[0].cell_size
        assert (rows * cell_h,
                cols * cell_w) == (cfg.model.vision_encoder.img_size, ) * 2
        assert cfg[loader].collate_fn.type == 'default_collate'


def test_grid_as_image_takes_the_one_grid():
    grid = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    results = GridAsImage()(dict(imgs=[grid], filename='v.mp4'))
    assert results['img'] is grid and results['img_shape'] == (2, 3)
    assert 'imgs' not in results
    with pytest.raises(ValueError, match=r"2 images .*'v\.mp4'.*num_views=1"):
        GridAsImage()(dict(imgs=[grid, grid], filename='v.mp4'))
    with pytest.raises(ValueError, match='imgs=NoneType'):
        GridAsImage()(dict(filename='v.mp4'))


def test_sample_caption_draws_every_caption_uniformly():
    captions = ['one', 'two', 'three']
    np.random.seed(0)
    draws = 3000
    counts = dict.fromkeys(captions, 0)
    for _ in range(draws):
        caption = SampleCaption()(dict(gt_captions=captions))['gt_caption']
        counts[caption] += 1
    # binomial(3000, 1/3): standard deviation 25.8; 5 of them
    for caption in captions:
        assert abs(counts[caption] - draws / 3) < 5 * 25.8, counts
    first = SampleCaption(mode='first')
    assert first(dict(gt_captions=captions))['gt_caption'] == 'one'
    assert repr(first) == "SampleCaption(mode='first')"
    with pytest.raises(ValueError, match='mode'):
        SampleCaption(mode='all')
    with pytest.raises(ValueError, match=r"'v\.mp4'.*gt_captions"):
        SampleCaption()(dict(gt_captions=[], filename='v.mp4'))
    assert TRANSFORMS.get('GridAsImage') is GridAsImage
    assert TRANSFORMS.get('SampleCaption') is SampleCaption


def test_test_pipeline_feeds_blip_the_rgb_grid_of_a_real_clip(tmp_path):
    """Against frames decoded by OpenCV and tiled and normalised by hand:
    the 16 frames row-major, RGB, BLIP's mean and std."""
    cfg = Config.fromfile(CONFIG)
    name = 'short_340x256_32f.mp4'
    ann_file = write_annotations(
        tmp_path, [dict(video=name, video_id='pool', captions=CAPTIONS)])
    dataset = dataset_of(cfg, 'test_dataloader', ann_file,
                         osp.dirname(video_path(name)))
    # the frames the sampler picks, from the pipeline up to the decoder
    info = dataset.get_data_info(0)
    sampled = Compose(dataset.pipeline.transforms[:2])(copy.deepcopy(info))
    indices = [int(i) for i in sampled['frame_inds']]
    assert len(indices) == 16

    packed = dataset[0]
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (3, 384, 384) and inputs.dtype == torch.uint8
    assert sample.gt_captions == CAPTIONS and sample.video_id == 'pool'
    assert 'gt_caption' not in sample

    expected = tile_by_loop(decode_rgb(video_path(name), indices), 96)
    grid = inputs.permute(1, 2, 0).numpy().astype(float)
    # two decoders of one H.264 stream: equal up to colour conversion
    assert np.abs(grid - expected).mean() < 3

    preprocessor = MODELS.build(
        dict(cfg.model.data_preprocessor, _scope_=cfg.model._scope_))
    batch = FUNCTIONS.get(cfg.test_dataloader.collate_fn.type)([packed])
    images = preprocessor(batch)['images']
    assert images.shape == (1, 3, 384, 384)
    normalised = (expected - BLIP_MEAN) / BLIP_STD
    assert np.abs(images[0].permute(1, 2, 0).numpy() -
                  normalised).mean() < 3 / BLIP_STD.min()


def test_blip_captions_a_grid_and_trains_on_it(tmp_path, tokenizer_dir,
                                               no_network):
    from mmpretrain.models import BlipCaption, VisionTransformer
    from mmpretrain.models.multimodal.blip import XBertLMHeadDecoder

    from scfa_mm.engine import CheckedRunner
    from scfa_mm.evaluation.caption_metrics import VideoCaptionMetric

    cfg = Config.fromfile(CONFIG)
    name = 'short_340x256_32f.mp4'
    video_dir = osp.dirname(video_path(name))
    ann_file = write_annotations(tmp_path, [
        dict(video=name, video_id='pool', captions=CAPTIONS),
        dict(video=name, video_id='pool again', captions=CAPTIONS[::-1]),
    ])
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.update(
            ann_file=ann_file, data_prefix=dict(video=video_dir))
    # the checks of tools/train.py and tools/test.py accept the config
    CheckedRunner.check_data(cfg, 'train')
    CheckedRunner.check_data(cfg, 'test')

    torch.manual_seed(0)
    # under MMAction2's default scope (conftest), as tools/ build it
    model = MODELS.build(tiny_model_cfg(cfg, tokenizer_dir))
    assert type(model) is BlipCaption
    assert type(model.visual_encoder) is VisionTransformer
    assert type(model.seq_gen_head.decoder) is XBertLMHeadDecoder
    assert len(model.tokenizer) == len(SPECIAL) + len(WORDS) + 2

    collate = FUNCTIONS.get(cfg.test_dataloader.collate_fn.type)
    test_set = dataset_of(cfg, 'test_dataloader', ann_file, video_dir)
    model.eval()
    with torch.no_grad():
        outputs = model.test_step(collate([test_set[0]]))
    assert len(outputs) == 1
    prediction = outputs[0].pred_caption
    assert isinstance(prediction, str) and prediction.split()
    assert set(prediction.split()) <= set(WORDS), prediction
    # what VideoCaptionMetric reads, after to_dict()
    result = outputs[0].to_dict()
    assert result['video_id'] == 'pool' and result['gt_captions'] == CAPTIONS
    metric = VideoCaptionMetric(meteor=False)
    metric.process(None, [result])
    scores = metric.evaluate(1)
    assert 0 <= scores['caption/BLEU-4'] <= 1

    train_set = dataset_of(cfg, 'train_dataloader', ann_file, video_dir)
    batch = collate([train_set[0], train_set[1]])
    cleaned = {
        caption.lower().translate(str.maketrans('', '', string.punctuation))
        for caption in CAPTIONS
    }
    assert {s.gt_caption for s in batch['data_samples']} <= cleaned
    model.train()
    data = model.data_preprocessor(batch, True)
    assert data['images'].shape == (2, 3, 384, 384)
    losses = model(**data, mode='loss')
    loss = sum(losses.values())
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    patch_grad = model.visual_encoder.patch_embed.projection.weight.grad
    assert patch_grad is not None and torch.isfinite(patch_grad).all()
    assert patch_grad.abs().sum() > 0
