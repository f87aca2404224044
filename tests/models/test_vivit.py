import pytest
import torch
from mmpretrain.models.backbones import VisionTransformer

from scfa_mm.models import ViViT

TINY = dict(
    embed_dims=48,
    num_layers=2,
    num_heads=3,
    feedforward_channels=96,
    temporal_layers=1)


@pytest.mark.parametrize('model_type, pos_tokens', [
    ('factorised_encoder', 1 + 4 * 4),
    ('spatio_temporal', 1 + 3 * 4 * 4),
])
def test_shapes(model_type, pos_tokens):
    model = ViViT(
        arch=TINY,
        model_type=model_type,
        num_frames=6,
        img_size=32,
        tubelet_size=(2, 8, 8))
    model.init_weights()
    assert model.pos_embed.shape == (1, pos_tokens, 48)
    features = model(torch.randn(2, 3, 6, 32, 32))
    assert features.shape == (2, 48)
    if model_type == 'factorised_encoder':
        assert model.spatial_cls(torch.randn(2, 3, 6, 32, 32)).shape == \
            (2, 3, 48)
        assert model.temporal_pos_embed.shape == (1, 1 + 3, 48)
    else:
        assert not hasattr(model, 'temporal_layers')


def test_factorised_encoder_sees_frame_order():
    torch.manual_seed(0)
    model = ViViT(
        arch=TINY, num_frames=4, img_size=16, tubelet_size=(2, 8, 8)).eval()
    model.init_weights()
    clip = torch.randn(1, 3, 4, 16, 16)
    reversed_clip = clip.flip(2)
    assert not torch.allclose(model(clip), model(reversed_clip), atol=1e-4)


@pytest.fixture
def image_vit_checkpoint(tmp_path):
    torch.manual_seed(1)
    vit = VisionTransformer(
        arch=dict(
            embed_dims=48, num_layers=2, num_heads=3, feedforward_channels=96),
        img_size=32,
        patch_size=8,
        out_type='cls_token')
    vit.init_weights()
    # random, non-trivial norms and biases, as after training
    with torch.no_grad():
        for name, param in vit.named_parameters():
            if 'ln' in name or 'bias' in name:
                param.normal_()
    path = tmp_path / 'vit.pth'
    torch.save(
        dict(state_dict={
            f'backbone.{k}': v
            for k, v in vit.state_dict().items()
        }), path)
    vit.eval()  # returns None for mmpretrain backbones
    return vit, path


@pytest.mark.parametrize('inflate', ['central', 'average'])
def test_inflation_from_an_image_vit(image_vit_checkpoint, inflate):
    vit, path = image_vit_checkpoint
    model = ViViT(
        arch=TINY,
        num_frames=4,
        img_size=32,
        tubelet_size=(2, 8, 8),
        pretrained=str(path),
        inflate=inflate)
    model.init_weights()
    model.eval()
    source = vit.state_dict()
    target = model.state_dict()
    copied = [k for k in source if k.startswith(('layers.', 'ln1.'))]
    assert len(copied) > 20
    for key in copied + [
            'cls_token', 'pos_embed', 'patch_embed.projection.bias'
    ]:
        torch.testing.assert_close(target[key], source[key], rtol=0, atol=0)
    kernel = source['patch_embed.projection.weight']
    tubelet = target['patch_embed.projection.weight']
    if inflate == 'central':
        torch.testing.assert_close(tubelet[:, :, 1], kernel)
        assert tubelet[:, :, 0].abs().sum() == 0
    else:
        torch.testing.assert_close(tubelet[:, :, 0], kernel / 2)
        torch.testing.assert_close(tubelet[:, :, 1], kernel / 2)

    image = torch.randn(2, 3, 32, 32)
    clip = image[:, :, None].repeat(1, 1, 4, 1, 1)
    with torch.no_grad():
        expected = vit(image)[0]  # the image model's CLS feature
        frames = model.spatial_cls(clip)  # (B, T', D)
    for index in range(frames.shape[1]):
        torch.testing.assert_close(
            frames[:, index], expected, rtol=1e-4, atol=1e-5)


def test_model1_repeats_position_embeddings_over_time(image_vit_checkpoint):
    vit, path = image_vit_checkpoint
    model = ViViT(
        arch=TINY,
        model_type='spatio_temporal',
        num_frames=6,
        img_size=32,
        tubelet_size=(2, 8, 8),
        pretrained=str(path))
    model.init_weights()
    source = vit.state_dict()['pos_embed']
    target = model.pos_embed.detach()
    assert target.shape == (1, 1 + 3 * 16, 48)
    torch.testing.assert_close(target[:, 0], source[:, 0])
    for t in range(3):
        torch.testing.assert_close(target[:, 1 + 16 * t:1 + 16 * (t + 1)],
                                   source[:, 1:])


def test_gradient_checkpointing_gives_the_same_gradients():
    grads = []
    for with_cp in (False, True):
        torch.manual_seed(0)
        model = ViViT(
            arch=TINY,
            num_frames=4,
            img_size=16,
            tubelet_size=(2, 8, 8),
            with_cp=with_cp)
        model.init_weights()
        model.train()
        torch.manual_seed(1)
        model(torch.randn(2, 3, 4, 16, 16)).sum().backward()
        grads.append(model.layers[0].attn.qkv.weight.grad.clone())
    torch.testing.assert_close(grads[0], grads[1])


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_frames=5), 'num_frames=5'),
    (dict(img_size=30), 'img_size=30'),
    (dict(model_type='joint'), "'joint'"),
    (dict(inflate='center'), "'center'"),
    (dict(arch='huge'), "'huge'"),
    (dict(arch=dict(embed_dims=48)), 'keys'),
])
def test_bad_arguments(kwargs, message):
    arguments = dict(
        arch=TINY, num_frames=4, img_size=32, tubelet_size=(2, 8, 8))
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ViViT(**arguments)


def test_wrong_clip_size_names_the_shape():
    model = ViViT(arch=TINY, num_frames=4, img_size=16, tubelet_size=(2, 8, 8))
    with pytest.raises(ValueError, match=r'\(1, 3, 8, 16, 16\)'):
        model(torch.randn(1, 3, 8, 16, 16))


def test_tiny_config_trains_through_the_runner(tmp_path):
    import sys

    from ..conftest import REPO_ROOT, write_moving_square_videos
    from ..test_training import run_tool, train_losses
    ann_file = write_moving_square_videos(tmp_path / 'data')
    options = []
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.dataset.ann_file={ann_file}',
            f'{split}_dataloader.dataset.data_prefix.video='
            f'{tmp_path}/data/videos', f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
            f'{split}_dataloader.batch_size=4'
        ]
    work_dir = tmp_path / 'work'
    output = run_tool([
        sys.executable, 'tools/train.py',
        'configs/vivit/vivit_tiny-fe_synthetic.py', '--work-dir',
        str(work_dir), '--cfg-options', *options, 'train_cfg.max_epochs=2',
        'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        'model.cls_head.num_classes=2'
    ], REPO_ROOT)
    assert 'Epoch(train) [2][2/2]' in output
    assert (work_dir / 'epoch_2.pth').is_file()
    assert sorted(train_losses(work_dir)) == [1, 2]


def test_flops_count_the_fused_attention():
    from mmaction.registry import MODELS

    from scfa_mm.utils import video_complexity
    dims, heads, hidden = 48, 3, 96
    model = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(
                type='ViViT',
                arch=dict(
                    embed_dims=dims,
                    num_layers=1,
                    num_heads=heads,
                    feedforward_channels=hidden,
                    temporal_layers=1),
                model_type='spatio_temporal',
                num_frames=4,
                img_size=16,
                tubelet_size=(2, 8, 8)),
            cls_head=dict(
                type='TimeSformerHead', num_classes=2, in_channels=dims)))
    tokens = 1 + 2 * 2 * 2  # CLS + 2 temporal x 2x2 patches
    by_hand = (
        8 * (3 * 2 * 8 * 8) * dims  # tubelet embedding, 8 tubelets
        + tokens * dims * 3 * dims  # qkv
        + heads * tokens * tokens * (dims // heads) * 2  # QK^T and AV
        + tokens * dims * dims  # output projection
        + tokens * dims * hidden * 2  # MLP
        + 3 * tokens * dims * 5  # 3 layer norms, 5 FLOPs per element
        + dims * 2)  # classifier
    assert video_complexity(model, (1, 3, 4, 16, 16))['gflops'] * 1e9 == \
        pytest.approx(by_hand)


def test_runs_under_mixed_precision():
    torch.manual_seed(0)
    model = ViViT(arch=TINY, num_frames=4, img_size=16, tubelet_size=(2, 8, 8))
    model.init_weights()
    clip = torch.randn(2, 3, 4, 16, 16)
    dtypes = []
    model.layers[0].attn.qkv.register_forward_hook(
        lambda module, args, output: dtypes.append(output.dtype))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        features = model(clip)
    assert dtypes == [torch.bfloat16]  # the linear layers ran in bf16
    features.float().sum().backward()
    assert torch.isfinite(model.layers[0].attn.qkv.weight.grad).all()
    torch.testing.assert_close(
        features.float(), model(clip), atol=0.1, rtol=0.1)
