"""Write the grid images a video becomes, its views side by side.

Each cell carries the number of the source frame it shows (0-based, as the
sampler's ``frame_inds``) and each view a title (``view 0``, with
``--label`` ``view 0: LABEL``); ``--plain`` writes the grids as the network
sees them.

Example:
    python tools/visualize_grid.py demo.mp4 --out grid.png --num-views 2 \
        --label "arm wrestling"
"""
import argparse
from typing import Optional, Sequence, Tuple

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
import mmcv
import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from scfa_mm.utils.plots import annotate_grid


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('video', help='video file (any format decord reads)')
    parser.add_argument('--out', default='grid.png', help='output image')
    parser.add_argument('--num-views', type=int, default=2)
    parser.add_argument('--clip-len', type=int, default=16)
    parser.add_argument(
        '--grid', type=int, nargs=2, default=(4, 4), metavar=('ROWS', 'COLS'))
    parser.add_argument(
        '--cell',
        type=int,
        nargs=2,
        default=(56, 56),
        metavar=('HEIGHT', 'WIDTH'))
    parser.add_argument(
        '--strategy',
        default='segment',
        choices=('segment', 'uniform', 'random'))
    parser.add_argument(
        '--test-mode',
        action='store_true',
        help='deterministic sampling, as at evaluation')
    parser.add_argument(
        '--label', help='class name of the video, written in the titles')
    parser.add_argument(
        '--plain',
        action='store_true',
        help='no frame numbers or titles: the grids as the network sees '
        'them')
    parser.add_argument(
        '--gap', type=int, default=8, help='white pixels between the views')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def sample_grids(video: str,
                 num_views: int = 2,
                 clip_len: int = 16,
                 grid_shape: Tuple[int, int] = (4, 4),
                 cell_size: Tuple[int, int] = (56, 56),
                 strategy: str = 'segment',
                 test_mode: bool = False) -> dict:
    """Run the SCFA training pipeline up to the grids on ``video``.

    Returns:
        dict: ``imgs`` (``num_views`` grids ``(H, W, 3)`` RGB),
        ``frame_inds`` (``(num_views, clip_len)``: the source frame of each
        cell) and ``total_frames``.
    """
    pipeline = Compose([
        dict(type='CheckedDecordInit'),
        dict(
            type='TemporalMultiView',
            num_views=num_views,
            clip_len=clip_len,
            strategy=strategy,
            test_mode=test_mode),
        dict(type='DecordDecode'),
        dict(
            type='GridAggregate',
            grid_shape=tuple(grid_shape),
            cell_size=tuple(cell_size)),
    ])
    results = pipeline(dict(filename=video, start_index=0))
    return dict(
        imgs=results['imgs'],
        frame_inds=results['frame_inds'].reshape(num_views, clip_len),
        total_frames=results['total_frames'])


def draw_views(grids: Sequence[np.ndarray],
               frame_inds: Optional[np.ndarray] = None,
               grid_shape: Tuple[int, int] = (4, 4),
               label: Optional[str] = None,
               gap: int = 8) -> np.ndarray:
    """The views side by side, ``gap`` white pixels apart; with
    ``frame_inds`` (``(V, clip_len)``) each grid is annotated
    (:func:`scfa_mm.utils.plots.annotate_grid`) and titled ``view v`` (and
    ``label``)."""
    if frame_inds is not None:
        grids = [
            annotate_grid(
                grid,
                inds,
                grid_shape,
                title=f'view {view}' + (f': {label}' if label else ''))
            for view, (grid, inds) in enumerate(zip(grids, frame_inds))
        ]
    spacer = np.full((grids[0].shape[0], gap, 3), 255, np.uint8)
    row = [grids[0]]
    for grid in grids[1:]:
        row += [spacer, grid]
    return np.concatenate(row, axis=1)


def main(argv=None) -> None:
    args = parse_args(argv)
    init_default_scope('mmaction')
    np.random.seed(args.seed)
    sampled = sample_grids(args.video, args.num_views, args.clip_len,
                           args.grid, args.cell, args.strategy, args.test_mode)
    grids, inds = sampled['imgs'], sampled['frame_inds']
    image = draw_views(grids, None if args.plain else inds, tuple(args.grid),
                       args.label, args.gap)
    mmcv.imwrite(mmcv.rgb2bgr(image), args.out)
    for view, view_inds in enumerate(inds):
        print(f'view {view}: frames {view_inds.tolist()}')
    print(f'{sampled["total_frames"]} frames -> {len(grids)} grid images '
          f'of {grids[0].shape[1]}x{grids[0].shape[0]}, written to '
          f'{args.out}')


if __name__ == '__main__':
    main()
