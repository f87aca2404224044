"""Compare frame-wise representations on the synthetic set with CARL's four
frame-level metrics, and write the table into a results page.

Rows (every frame of every video, the test pipeline of the CARL config):

- CARL-small trained (``--carl-checkpoint``);
- the same frame encoder with its random initial weights (seed 0);
- per-frame features of an SCFA model (``--scfa-config``,
  ``--scfa-checkpoint``, e.g. the demo's): every frame, at the grid's cell
  size, tiled into all cells of one grid (the grid of a video standing
  still at that frame), encoded by its backbone and L2-normalised;
- relative time alone: the sine-cosine encoding of each frame's position,
  spread over the training length as CARL's encoder spreads it, with no
  image content (what the frame order alone scores).

The table is written between the markers of ``--out``; the text around
them is kept.

Example:
    python tools/analysis/compare_frame_features.py \
        --carl-checkpoint work_dirs/carl_r18-small_synthetic/epoch_20.pth \
        --scfa-checkpoint work_dirs/demo/epoch_20.pth
"""
import argparse
import copy
import os.path as osp

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
from mmengine.registry import init_default_scope

from scfa_mm.evaluation.frame_evaluation import (evaluate_frames,
                                                 frame_metrics_table,
                                                 model_embedder,
                                                 relative_time_embedder,
                                                 still_grid_embedder)
from scfa_mm.utils import use_checkpoint_loader
from scfa_mm.utils.build import load_model_to_evaluate
from scfa_mm.utils.markdown import write_between_markers

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--carl-config', default='configs/carl/carl_r18-small_synthetic.py')
    parser.add_argument('--carl-checkpoint', required=True)
    parser.add_argument(
        '--scfa-config', default='configs/scfa/scfa_r18_synthetic.py')
    parser.add_argument('--scfa-checkpoint', required=True)
    parser.add_argument(
        '--work-dir', default='work_dirs/compare_frame_features')
    parser.add_argument('--out', default='docs/results_carl_synthetic.md')
    args = parser.parse_args()
    init_default_scope('mmaction')
    use_checkpoint_loader()

    carl, carl_cfg = load_model_to_evaluate(args.carl_config,
                                            args.carl_checkpoint)
    untrained, _ = load_model_to_evaluate(args.carl_config)
    scfa, scfa_cfg = load_model_to_evaluate(args.scfa_config,
                                            args.scfa_checkpoint)
    grid = next(t for t in scfa_cfg.test_dataloader.dataset.pipeline
                if t['type'] == 'GridAggregate')
    # the CARL test pipeline with frames at the grid's cell size
    scfa_data_cfg = copy.deepcopy(carl_cfg)
    for transform in scfa_data_cfg.test_dataloader.dataset.pipeline:
        if transform['type'] == 'Resize':
            transform['scale'] = tuple(grid['cell_size'])[::-1]
    encoder = carl_cfg.model.backbone
    variants = [
        ('CARL-small, trained', carl_cfg, model_embedder(carl)),
        ('same encoder, untrained (random weights)', carl_cfg,
         model_embedder(untrained)),
        ('SCFA (demo model), per-frame still grids', scfa_data_cfg,
         still_grid_embedder(scfa, grid['grid_shape'])),
        ('relative time only (no image)', carl_cfg,
         relative_time_embedder(encoder.num_train_frames,
                                encoder.embed_channels)),
    ]
    rows = {}
    for index, (name, cfg, embed) in enumerate(variants):
        print(f'\n=== {name} ===')
        rows[name] = evaluate_frames(
            cfg, embed, osp.join(args.work_dir, f'variant_{index}'))
        table = frame_metrics_table(rows)
        write_between_markers(osp.join(REPO_ROOT, args.out), table)
    print(f'\n{table}\n\nwritten to {args.out}')


if __name__ == '__main__':
    main()
