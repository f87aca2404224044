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
import os.path as osp

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.evaluation.frame_evaluation import (evaluate_frames,
                                                 model_embedder,
                                                 relative_time_embedder)
from scfa_mm.utils.build import build_model_to_evaluate


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
