"""Write the grid images a video becomes, its views side by side.

Example:
    python tools/visualize_grid.py demo.mp4 --out grid.png --num-views 2
"""
import argparse

import mmcv
import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import scfa_mm  # noqa: F401  (registers the transforms)


def parse_args() -> argparse.Namespace:
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
        '--gap', type=int, default=8, help='white pixels between the views')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    init_default_scope('mmaction')
    np.random.seed(args.seed)
    pipeline = Compose([
        dict(type='CheckedDecordInit'),
        dict(
            type='TemporalMultiView',
            num_views=args.num_views,
            clip_len=args.clip_len,
            strategy=args.strategy,
            test_mode=args.test_mode),
        dict(type='DecordDecode'),
        dict(
            type='GridAggregate',
            grid_shape=tuple(args.grid),
            cell_size=tuple(args.cell)),
    ])
    results = pipeline(dict(filename=args.video, start_index=0))
    grids = results['imgs']
    gap = np.full((grids[0].shape[0], args.gap, 3), 255, np.uint8)
    row = [grids[0]]
    for grid in grids[1:]:
        row += [gap, grid]
    mmcv.imwrite(mmcv.rgb2bgr(np.concatenate(row, axis=1)), args.out)
    inds = results['frame_inds'].reshape(args.num_views, args.clip_len)
    for view, view_inds in enumerate(inds):
        print(f'view {view}: frames {view_inds.tolist()}')
    print(f'{results["total_frames"]} frames -> {len(grids)} grid images '
          f'of {grids[0].shape[1]}x{grids[0].shape[0]}, written to '
          f'{args.out}')


if __name__ == '__main__':
    main()
