"""What is in this video? Print a trained recognizer's top-5 classes.

MMAction2's ``demo/demo.py`` for the plugin's models: the config's test
pipeline reads the video file (its dataset-specific opening and decoding
replaced, as ``ActionRecogInferencer`` does for ``input_format='video'``),
the model predicts as in testing (class probabilities averaged over the
views), and the top-5 classes are printed as ``rank. name: score``. Class
names come from the label file (one name per line, in label order), else
from the checkpoint's ``meta['dataset_meta']['classes']``. With
``--out-filename`` the first grid image of the video is written with the
top-5 labels drawn on it.

Examples:
    python demo/demo.py configs/scfa_hmdb51.py best.pth \\
        data/hmdb51/videos/brush_hair/clip.avi
    python demo/demo.py configs/scfa/scfa_r18_synthetic.py epoch_20.pth \\
        video.mp4 labels.txt --device cpu --out-filename grid.png
"""
import argparse
import copy
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
import cv2
import mmcv
import numpy as np
import torch
from mmaction.apis import init_recognizer
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.dataset import Compose, pseudo_collate
from mmengine.fileio import list_from_file
from mmengine.runner import load_checkpoint
from mmengine.utils import mkdir_or_exist

from scfa_mm.utils import use_checkpoint_loader

TOP_K = 5
#: Opening transforms that read video files; pipelines with one are kept.
VIDEO_INITS = ('CheckedDecordInit', 'DecordInit', 'VideoInit', 'PyAVInit',
               'OpenCVInit', 'PIMSInit')
NO_NAMES_NOTE = (
    'No class names: pass a label file (one name per line, in label order) '
    'as the fourth argument, or use a checkpoint trained with class names '
    "in the dataset config (saved as meta['dataset_meta']['classes']).")


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Print the top-5 classes of a video')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file/url')
    parser.add_argument('video', help='video file')
    parser.add_argument(
        'label',
        nargs='?',
        default=None,
        help='label file, one class name per line in label order (default: '
        "the names in the checkpoint's meta)")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override config settings, key=value (e.g. '
        'model.backbone.depth=18)')
    parser.add_argument(
        '--device',
        default='cuda:0' if torch.cuda.is_available() else 'cpu',
        help='device to run on (default: cuda:0 if available, else cpu)')
    parser.add_argument(
        '--font-scale',
        type=float,
        default=0.5,
        help='font scale of the labels in the output image')
    parser.add_argument(
        '--font-color',
        default='white',
        help='font color of the labels in the output image (a name: white, '
        'black, red, green, blue, cyan, yellow, magenta)')
    parser.add_argument(
        '--target-resolution',
        nargs=2,
        type=int,
        default=None,
        metavar=('W', 'H'),
        help='resize the output image to W x H before drawing; -1 for one of '
        'them keeps the aspect ratio')
    parser.add_argument(
        '--out-filename',
        default=None,
        help='write the video\'s first grid image with the top-5 labels '
        '(e.g. grid.png)')
    return parser.parse_args(argv)


def video_pipeline(cfg: Config) -> List[dict]:
    """The config's test pipeline, made to read a video file.

    As ``ActionRecogInferencer`` does for ``input_format='video'``, but a
    pipeline that already opens video files (:data:`VIDEO_INITS`) is kept
    as it is, with its decoder. Otherwise (a frame cache's
    ``FramePackInit``, raw frames) the opening transform becomes the
    plugin's video opener (``VideoInit`` where registered, else
    ``CheckedDecordInit``, a ``DecordInit`` whose errors name the file) and
    every ``*Decode`` becomes ``DecordDecode``. Sampling, resizing,
    cropping and the grid are the config's.
    """
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    pipeline = dataset.get('pipeline') or cfg.get('test_pipeline')
    if not pipeline:
        raise ValueError('the config has no test pipeline '
                         '(test_dataloader.dataset.pipeline)')
    pipeline = [dict(copy.deepcopy(t)) for t in pipeline]
    first = str(pipeline[0]['type']).split('.')[-1]
    if first in VIDEO_INITS:
        return pipeline
    opener = 'VideoInit' if TRANSFORMS.get('VideoInit') is not None \
        else 'CheckedDecordInit'
    if first.endswith('Init'):
        pipeline[0] = dict(type=opener)
    else:
        pipeline.insert(0, dict(type=opener))
    for transform in pipeline[1:]:
        if str(transform['type']).endswith('Decode'):
            transform.clear()
            transform['type'] = 'DecordDecode'
    return pipeline


def scores_as_probabilities(cfg: Config) -> bool:
    """Make the classification head average probabilities over the views
    (``average_clips='prob'``), so that the scores are probabilities.
    Returns whether the config said otherwise."""
    head = cfg.model.get('cls_head')
    cls = MODELS.get(head['type']) if isinstance(head, dict) else None
    if cls is None or not issubclass(cls, BaseHead) \
            or head.get('average_clips') == 'prob':
        return False
    head['average_clips'] = 'prob'
    return True


def build_model(cfg: Config, checkpoint: str,
                device: str) -> Tuple[torch.nn.Module, dict]:
    """The recognizer with the checkpoint's weights, and the checkpoint's
    ``meta``.

    As ``mmaction.apis.init_recognizer`` (which drops the backbone's
    pretrained weights and builds the model) followed by MMEngine's
    ``load_checkpoint``, the loader ``init_recognizer`` uses, here called
    directly to keep the checkpoint's ``meta``.
    """
    use_checkpoint_loader()
    model = init_recognizer(cfg, None, device='cpu')
    loaded = load_checkpoint(model, checkpoint, map_location='cpu')
    return model.to(device).eval(), loaded.get('meta') or {}


def class_names(label_file: Optional[str], meta: dict,
                num_classes: int) -> Tuple[Optional[List[str]], str]:
    """``(names, source)``: from the label file, else from the checkpoint's
    ``meta['dataset_meta']['classes']``; ``(None, '')`` without either."""
    if label_file is not None:
        names = [line.strip() for line in list_from_file(label_file)]
        names = [name for name in names if name]
        source = f'label file {label_file!r}'
    else:
        names = (meta.get('dataset_meta') or {}).get('classes')
        source = "the checkpoint's meta['dataset_meta']['classes']"
        if not names:
            return None, ''
        if isinstance(names, str):  # a class-name file, unread
            if not osp.isfile(names):
                raise ValueError(f'{source} is {names!r}, not a list of '
                                 'names nor a file here; pass a label file')
            names = list_from_file(names)
        names = [str(name).strip() for name in names]
    if len(names) != num_classes:
        raise ValueError(f'{source} has {len(names)} class names, the model '
                         f'has {num_classes} classes')
    return names, source


def predict(model: torch.nn.Module, pipeline: List[dict],
            video: str) -> Tuple[ActionDataSample, torch.Tensor]:
    """The model's prediction for ``video`` and the pipeline's ``inputs``
    (e.g. ``(V, 3, H, W)`` uint8 grids), as ``inference_recognizer``."""
    data = Compose(pipeline)(
        dict(filename=video, label=-1, start_index=0, modality='RGB'))
    with torch.no_grad():
        result = model.test_step(pseudo_collate([data]))[0]
    return result, data['inputs']


def top_k(scores: torch.Tensor, k: int = TOP_K) -> List[Tuple[int, float]]:
    """``(class index, score)`` of the ``k`` highest scores, highest first."""
    values, indices = scores.float().topk(min(k, scores.numel()))
    return list(zip(indices.tolist(), values.tolist()))


def draw_labels(
        grid: torch.Tensor,
        lines: Sequence[str],
        font_scale: float = 0.5,
        font_color: str = 'white',
        target_resolution: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """The grid image ``(3, H, W)`` RGB with ``lines`` drawn top-left, as a
    BGR image for ``cv2.imwrite``; resized first to ``target_resolution``
    ``(W, H)`` (-1: keep the aspect ratio)."""
    image = np.ascontiguousarray(grid.permute(1, 2, 0).numpy()[..., ::-1])
    if target_resolution is not None:
        width, height = target_resolution
        if width == -1:
            width = round(height * image.shape[1] / image.shape[0])
        if height == -1:
            height = round(width * image.shape[0] / image.shape[1])
        image = cv2.resize(image, (width, height))
    color = mmcv.color_val(font_color)
    font, thickness = cv2.FONT_HERSHEY_DUPLEX, 1
    (_, text_h), baseline = cv2.getTextSize('Ag', font, font_scale, thickness)
    y = 4 + text_h
    for line in lines:
        # a dark outline keeps light text readable on light frames
        cv2.putText(image, line, (4, y), font, font_scale, (0, 0, 0),
                    thickness + 2, cv2.LINE_AA)
        cv2.putText(image, line, (4, y), font, font_scale, color, thickness,
                    cv2.LINE_AA)
        y += text_h + baseline + 2
    return image


def check_args(args: argparse.Namespace) -> None:
    if not osp.isfile(args.video):
        raise FileNotFoundError(f'video {args.video!r} not found')
    if args.label is not None and not osp.isfile(args.label):
        raise FileNotFoundError(f'label file {args.label!r} not found')
    if args.target_resolution is not None:
        width, height = args.target_resolution
        if (width, height) == (-1, -1) or min(width, height) < -1 \
                or 0 in (width, height):
            raise ValueError('--target-resolution W H: positive sizes, or -1 '
                             f'for one of them, got {width} {height}')
    if args.out_filename is not None and \
            osp.splitext(args.out_filename)[1].lower() not in (
                '.png', '.jpg', '.jpeg', '.bmp', '.webp'):
        raise ValueError('--out-filename writes an image of the grid: give '
                         f'a .png or .jpg name, got {args.out_filename!r}')
    try:
        mmcv.color_val(args.font_color)
    except (AssertionError, TypeError, KeyError, ValueError):
        raise ValueError(f'--font-color {args.font_color!r} is not a colour '
                         'name (white, black, red, green, blue, cyan, '
                         'yellow, magenta)')


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    check_args(args)
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    if not isinstance(cfg.get('model'), (dict, ConfigDict)):
        raise ValueError(f'{args.config} has no model')
    if scores_as_probabilities(cfg):
        print(
            'Note: scores are the class probabilities averaged over the '
            "views (average_clips='prob'), not the config's averaging",
            file=sys.stderr)
    model, meta = build_model(cfg, args.checkpoint, args.device)
    result, inputs = predict(model, video_pipeline(cfg), args.video)
    if 'pred_score' not in result:
        raise ValueError(f'{type(model).__name__} of {args.config} gives no '
                         'class scores (it has no classification head); use '
                         'a config with a cls_head, e.g. a linear evaluation '
                         'config')
    scores = result.pred_score.cpu()
    names, source = class_names(args.label, meta, scores.numel())
    if names is None:
        print(NO_NAMES_NOTE, file=sys.stderr)
        names = [f'class {index}' for index in range(scores.numel())]
    lines = [
        f'{rank}. {names[index]}: {score:.4f}'
        for rank, (index, score) in enumerate(top_k(scores), 1)
    ]
    views = inputs.shape[0] if inputs.dim() >= 4 else 1
    print(f'Top-{len(lines)} classes of {args.video} (probabilities, '
          f'averaged over {views} view(s)'
          f"{'; names from ' + source if source else ''}):")
    print('\n'.join(lines))

    if args.out_filename is not None:
        if inputs.dim() != 4 or inputs.shape[1] != 3:
            raise ValueError('--out-filename draws on a grid image, but this '
                             'pipeline gives inputs of shape '
                             f'{tuple(inputs.shape)}, not (views, 3, H, W)')
        image = draw_labels(inputs[0], lines, args.font_scale, args.font_color,
                            args.target_resolution)
        mkdir_or_exist(osp.dirname(osp.abspath(args.out_filename)))
        if not cv2.imwrite(args.out_filename, image):
            raise OSError(f'could not write {args.out_filename!r}')
        print(f'Wrote {args.out_filename}')


if __name__ == '__main__':
    main()
