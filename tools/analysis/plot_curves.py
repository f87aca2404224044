"""Plot the training curves of one or more MMEngine work dirs.

Reads ``WORK_DIR/<timestamp>/vis_data/scalars.json`` of every launch in a
work dir (a resumed run continues the curve) and draws one panel per key:
training keys (``loss``, ``loss_supcon``, ``lr``, ...) against the
iteration, or with ``--x epoch`` the mean of each epoch; validation keys
(``acc/top1``, ...) against the epoch they were measured at. Several work
dirs are overlaid, labelled by their folder names. MMAction2's
``analyze_logs.py`` reads MMCV 1.x logs only.

Example:
    python tools/analysis/plot_curves.py work_dirs/scfa_hmdb51 --list
    python tools/analysis/plot_curves.py work_dirs/scfa_hmdb51 \
        work_dirs/scfa-selfsup_r50_4xb16-100e_hmdb51 \
        --keys loss_supcon acc/top1 --out curves.png
"""
import argparse
import sys

from scfa_mm.utils.curves import plot_training_curves, read_training_log


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'work_dirs', nargs='+', metavar='WORK_DIR', help='training work dir')
    parser.add_argument(
        '--keys',
        nargs='+',
        help='keys to plot, one panel each (default: loss and the '
        'validation metrics of the first work dir); "val:KEY" picks the '
        'validation one of a key logged in both (time)')
    parser.add_argument(
        '--x',
        choices=('iter', 'epoch'),
        default='iter',
        help='x axis of the training keys')
    parser.add_argument('--out', default='curves.png', help='output image')
    parser.add_argument(
        '--list', action='store_true', help='print the keys and exit')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        logs = [read_training_log(work_dir) for work_dir in args.work_dirs]
    except FileNotFoundError as error:
        sys.exit(f'error: {error}')
    if args.list:
        for log in logs:
            keys = log.keys()
            print(f'{log.work_dir} ({len(log.runs)} run(s), '
                  f'{len(log.train)} training and {len(log.val)} '
                  f'validation records)')
            print(f'  training: {" ".join(keys["train"])}')
            print(f'  validation (by {log.val_by}): {" ".join(keys["val"])}')
        return
    keys = args.keys or ['loss'] + [
        key
        for key in logs[0].keys()['val'] if key not in ('time', 'data_time')
    ]
    try:
        fig = plot_training_curves(logs, keys, x=args.x)
    except (KeyError, ValueError) as error:
        sys.exit(f'error: {error.args[0]}')
    fig.savefig(args.out, dpi=100)
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
