"""Caption a video with a trained grid captioner.

The video goes through the config's test pipeline (its frames sampled and
tiled into the grid the model reads); the caption is printed on stdout.
The caption vocabulary comes from the checkpoint, so the training captions
need not be on this machine. ``--save-grid`` also writes the grid (or, for
an order-free model, its frames tiled in time order) with the caption
under it.

Example:
    python tools/caption_video.py demo.mp4 \
        configs/caption/grid-caption_r18_synthetic.py \
        work_dirs/grid-caption_r18_synthetic/epoch_20.pth \
        --save-grid demo_caption.png
"""
import argparse
import os.path as osp
from typing import Optional, Tuple

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
import mmcv
import numpy as np
import torch
from mmengine import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from scfa_mm.models.captioners import vocabulary_from_checkpoint
from scfa_mm.utils.build import build_model_to_evaluate
from scfa_mm.utils.plots import add_caption_strip


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('video', help='the video file')
    parser.add_argument('config', help='the captioner\'s config')
    parser.add_argument('checkpoint', help='its trained checkpoint')
    parser.add_argument(
        '--beam-size',
        type=int,
        help='beam width (1: greedy); default the config\'s')
    parser.add_argument(
        '--save-grid',
        metavar='IMAGE',
        help='also write the grid with the caption under it (e.g. a .png)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    return parser.parse_args(argv)


def load_captioner(config: str,
                   checkpoint: str,
                   beam_size: Optional[int] = None,
                   device: str = 'cpu') -> Tuple[torch.nn.Module, Config]:
    """The captioner of ``config`` with the weights and the vocabulary of
    ``checkpoint``, in eval mode."""
    cfg = Config.fromfile(config)
    if cfg.model.get('type') != 'GridCaptioner':
        raise ValueError(f'{config} is not a captioner config (model.type '
                         f'is {cfg.model.get("type")!r}, not '
                         '\'GridCaptioner\')')
    cfg.model.vocabulary = dict(words=vocabulary_from_checkpoint(checkpoint))
    # the weights come from the checkpoint: nothing to initialise from
    cfg.model.backbone_checkpoint = None
    if beam_size is not None:
        cfg.model.beam_size = beam_size
    model = build_model_to_evaluate(cfg.model, checkpoint)
    return model.to(device), cfg


def caption_video(model: torch.nn.Module, cfg: Config,
                  video: str) -> Tuple[str, np.ndarray]:
    """The caption of ``video`` and the image the model read.

    Returns:
        tuple: The caption, and the grid ``(H, W, 3)`` uint8 RGB (for an
        order-free model, its frames tiled in time order, 4 per row).
    """
    if not osp.isfile(video):
        raise FileNotFoundError(f'no video at {video}')
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    packed = pipeline(
        dict(
            filename=video,
            video_id=osp.splitext(osp.basename(video))[0],
            start_index=0,
            modality='RGB'))
    with torch.no_grad():
        sample = model.test_step(pseudo_collate([packed]))[0]
    return sample.pred_caption, tiled_images(packed['inputs'])


def tiled_images(inputs: torch.Tensor, per_row: int = 4) -> np.ndarray:
    """``(V, 3, H, W)`` images (one grid, or frames) as one RGB image."""
    images = inputs.permute(0, 2, 3, 1).numpy().clip(0, 255).astype(np.uint8)
    if len(images) == 1:
        return images[0]
    rows = [
        np.concatenate(list(images[start:start + per_row]), axis=1)
        for start in range(0, len(images), per_row)
    ]
    width = rows[0].shape[1]
    rows = [
        np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)))
        for row in rows
    ]
    return np.concatenate(rows, axis=0)


def main(argv=None) -> None:
    args = parse_args(argv)
    init_default_scope('mmaction')
    # the caption alone on stdout: no initialisation log
    MMLogger.get_instance('caption_video', log_level='WARNING')
    model, cfg = load_captioner(args.config, args.checkpoint, args.beam_size,
                                args.device)
    caption, grid = caption_video(model, cfg, args.video)
    print(caption)
    if args.save_grid:
        # the pipeline's frames are RGB; mmcv writes BGR
        mmcv.imwrite(
            add_caption_strip(grid, caption)[..., ::-1], args.save_grid)


if __name__ == '__main__':
    main()
