"""Statistics of CARL's training views (``CARLSampleFrames``) per video
length and crop law: how often the two views of a video are identical,
how much of the video a view spans, and how many of its slots are real
frames. Prints a markdown table.

Columns, over ``--draws`` pairs of views per video length ``S`` (``T``
slots per view):

- identical pairs: share of draws whose two views have the same
  timestamps and mask;
- coverage: mean over views of ``(last real frame - first real frame) /
  S``;
- valid share: mean share of a view's ``T`` slots that are real frames
  (mask True), the rest being padding;
- valid frames: the mean number of real frames of a view.

Example:
    python tools/analysis/carl_view_statistics.py \
        --lengths 18 40 80 120 200 300 --num-frames 80 --draws 2000
"""
import argparse
from typing import Dict, Sequence

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
import numpy as np

from scfa_mm.datasets.transforms import CARLSampleFrames
from scfa_mm.datasets.transforms.carl_sampling import CROP_LAWS


def view_statistics(sampler: CARLSampleFrames, total_frames: int, draws: int,
                    seed: int) -> Dict[str, float]:
    """Identical-pair share, mean coverage, valid share and mean valid
    frames of ``draws`` pairs of views of a video of ``total_frames``
    frames (numpy's global generator seeded with ``seed`` first)."""
    np.random.seed(seed)
    identical, coverage, valid = 0, [], []
    for _ in range(draws):
        steps, mask = sampler.sample(total_frames)
        identical += bool((steps[0] == steps[1]).all()
                          and (mask[0] == mask[1]).all())
        for view_steps, view_mask in zip(steps, mask):
            real = view_steps[view_mask]
            valid.append(len(real))
            if len(real):
                coverage.append((real[-1] - real[0]) / total_frames)
    num_frames = steps.shape[1]
    return dict(
        identical=identical / draws,
        coverage=float(np.mean(coverage)) if coverage else 0.0,
        valid_share=float(np.mean(valid)) / num_frames,
        valid_frames=float(np.mean(valid)))


def statistics_table(samplers: Dict[str, CARLSampleFrames],
                     lengths: Sequence[int], draws: int, seed: int) -> str:
    """Markdown table, one row per sampler and video length."""
    lines = [
        '| law | S (frames) | identical pairs | coverage | valid share | '
        'valid frames |', '|---|---|---|---|---|---|'
    ]
    for name, sampler in samplers.items():
        for total_frames in lengths:
            stats = view_statistics(sampler, total_frames, draws, seed)
            lines.append(f'| {name} | {total_frames} | '
                         f'{stats["identical"]:.3f} | '
                         f'{stats["coverage"]:.3f} | '
                         f'{stats["valid_share"]:.3f} | '
                         f'{stats["valid_frames"]:.1f} |')
    return '\n'.join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--lengths',
        type=int,
        nargs='+',
        default=[18, 40, 80, 120, 200, 300],
        help='video lengths S in frames')
    parser.add_argument(
        '--num-frames', type=int, default=80, help='T, slots per view')
    parser.add_argument(
        '--max-crop-ratio', type=float, default=1.5, help='alpha')
    parser.add_argument(
        '--min-overlap', type=float, default=0.2, help='beta (paper law)')
    parser.add_argument(
        '--laws',
        nargs='+',
        choices=CROP_LAWS,
        default=list(CROP_LAWS),
        help='crop laws to tabulate')
    parser.add_argument(
        '--draws', type=int, default=2000, help='pairs of views per row')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    samplers = {
        law:
        CARLSampleFrames(
            num_frames=args.num_frames,
            max_crop_ratio=args.max_crop_ratio,
            min_overlap=args.min_overlap,
            crop_law=law)
        for law in args.laws
    }
    print(f'T = {args.num_frames}, alpha = {args.max_crop_ratio}, '
          f'beta = {args.min_overlap}, {args.draws} pairs per row, '
          f'seed {args.seed}\n')
    print(statistics_table(samplers, args.lengths, args.draws, args.seed))


if __name__ == '__main__':
    main()
