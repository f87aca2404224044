"""Evaluate frame-wise representations (CARL) with the four frame-level
metrics: phase classification, phase progression, Kendall's tau and frame
retrieval AP@K.

Embeds every video of the training split and of the test split whole (the
config's test pipeline: every frame, with its phase labels), writes both as
``tools/test.py --dump``-style pickles into ``--work-dir``, fits the linear
phase classifier and progression regressor on the training split and
evaluates all four metrics on the test split, with the settings (stride,
``per_action``, ``drop_unlabelled_frames``) of the config's
``test_evaluator``. Prints the figures and writes them to
``WORK_DIR/frame_metrics.json``.

The same metrics run from ``tools/test.py`` when a config lists them
(``PhaseClassificationMetric`` and ``PhaseProgressionMetric`` with
``train_dump`` set to the training split's dump).

Examples:
    python tools/analysis/evaluate_frames.py \
        configs/carl/carl_r18-small_synthetic.py \
        work_dirs/carl_r18-small_synthetic/epoch_20.pth
    python tools/analysis/evaluate_frames.py CONFIG --untrained --seed 0
    python tools/analysis/evaluate_frames.py CONFIG --relative-time

``--untrained`` evaluates the encoder at its random initialisation, drawn
as ``tools/train.py`` draws it (seed, build, ``init_weights``);
``--relative-time`` evaluates no model: each frame is the sine-cosine
encoding of its position spread over the training length, as the CARL
encoder spreads a whole video's positions (what frame order alone
scores).
"""
import argparse
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Optional

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
import torch
import torch.nn.functional as F
from mmaction.registry import DATASETS, METRICS
from mmengine import Config
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from scfa_mm.models.backbones.frame_encoder import sine_cosine_encoding
from scfa_mm.utils.build import build_model_to_evaluate, save_dump

FRAME_METRICS = ('KendallsTauMetric', 'FrameRetrievalMetric')


def embed_split(cfg: Config, ann_file: str,
                embed: Callable[[Dict], torch.Tensor]) -> List[Dict]:
    """Per video of ``ann_file`` (read with the config's test pipeline):
    ``frame_embeddings`` ``(T, D)``, ``frame_labels`` and ``gt_label``."""
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    dataset_cfg.ann_file = ann_file
    dataset = DATASETS.build(dataset_cfg)
    videos = []
    progress = ProgressBar(len(dataset))
    for index in range(len(dataset)):
        sample = dataset[index]
        data = sample['data_samples']
        videos.append(
            dict(
                frame_embeddings=embed(sample).float().cpu(),
                frame_labels=data.frame_labels.reshape(-1),
                gt_label=data.gt_label))
        progress.update()
    print()
    return videos


def model_embedder(model: torch.nn.Module) -> Callable:
    """The ``frame_embeddings`` that ``model.predict`` stores."""

    def embed(sample: Dict) -> torch.Tensor:
        with torch.no_grad():
            data = model.data_preprocessor(
                dict(
                    inputs=[sample['inputs']],
                    data_samples=[sample['data_samples']]), False)
            return model(**data, mode='predict')[0].frame_embeddings

    return embed


def relative_time_embedder(num_train_frames: int, channels: int) -> Callable:
    """Per frame of a ``(1, 3, T, H, W)`` sample: the L2-normalised
    sine-cosine encoding ``(T, channels)`` of its position, the video's
    ``T`` positions spread over ``[0, num_train_frames - 1]``."""

    def embed(sample: Dict) -> torch.Tensor:
        num_frames = sample['inputs'].shape[2]
        positions = torch.linspace(0, num_train_frames - 1, num_frames)
        return F.normalize(sine_cosine_encoding(positions, channels), dim=-1)

    return embed


def evaluate(test_videos: List[Dict], train_dump: str,
             evaluators: List[dict]) -> Dict[str, float]:
    """The config's frame metrics and the two linear ones on the test
    videos; ``per_action`` and ``drop_unlabelled_frames`` (both on by
    default) as the config's metrics set them."""
    shared = {
        key: all(e.get(key, True) for e in evaluators)
        for key in ('per_action', 'drop_unlabelled_frames')
    }
    metric_cfgs = list(evaluators) + [
        dict(type=name, train_dump=train_dump, **shared)
        for name in ('PhaseClassificationMetric', 'PhaseProgressionMetric')
    ]
    results = {}
    for metric_cfg in metric_cfgs:
        metric = METRICS.build(metric_cfg)
        metric.process(None, test_videos)
        for name, value in metric.compute_metrics(metric.results).items():
            results[f'{metric.prefix}/{name}'] = value
    return results


def evaluate_frames(cfg: Config,
                    embed: Callable,
                    work_dir: str,
                    train_ann_file: Optional[str] = None) -> Dict[str, float]:
    """Embed the training and test splits, dump them into ``work_dir`` and
    evaluate; returns the metrics."""
    os.makedirs(work_dir, exist_ok=True)
    splits = dict(
        train=train_ann_file or cfg.train_dataloader.dataset.ann_file,
        test=cfg.test_dataloader.dataset.ann_file)
    videos, dumps = {}, {}
    for split, ann_file in splits.items():
        print(f'embedding the {split} split ({ann_file})')
        videos[split] = embed_split(cfg, ann_file, embed)
        dumps[split] = osp.join(work_dir, f'{split}_frames.pt')
        save_dump(videos[split], dumps[split])
    evaluators = cfg.test_evaluator if isinstance(
        cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
    evaluators = [e for e in evaluators if e['type'] in FRAME_METRICS]
    return evaluate(videos['test'], dumps['train'], evaluators)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument(
        '--untrained',
        action='store_true',
        help='evaluate the model with its random initial weights')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--work-dir')
    parser.add_argument(
        '--train-list',
        help='annotation list of the training split (default: the '
        "config's train_dataloader list)")
    parser.add_argument(
        '--relative-time',
        action='store_true',
        help='evaluate no model: the encoding of each frame\'s relative '
        'time alone')
    args = parser.parse_args()
    if (args.checkpoint is not None) + args.untrained + \
            args.relative_time != 1:
        parser.error('give a checkpoint, --untrained or --relative-time '
                     '(one of them)')
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    name = osp.splitext(osp.basename(args.config))[0]
    if args.relative_time:
        encoder = cfg.model.backbone
        embed = relative_time_embedder(encoder.num_train_frames,
                                       encoder.embed_channels)
        kind = 'relative_time_frames'
    else:
        model = build_model_to_evaluate(cfg.model, args.checkpoint, args.seed)
        embed = model_embedder(model)
        kind = 'untrained_frames' if args.untrained else 'frames'
    work_dir = args.work_dir or osp.join('work_dirs', name, kind)
    metrics = evaluate_frames(cfg, embed, work_dir, args.train_list)
    for key, value in metrics.items():
        print(f'{key}: {value:.4f}')
    with open(osp.join(work_dir, 'frame_metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


if __name__ == '__main__':
    main()
