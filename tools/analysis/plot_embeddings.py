"""2-D t-SNE plot of test embeddings, coloured by class, from a
``tools/test.py --dump`` of an SCFA model (its predictions carry the video
embeddings).

Example:
    python tools/test.py CONFIG CKPT --dump results.pt
    python tools/analysis/plot_embeddings.py results.pt \
        --classes data/hmdb51/classnames.txt --out embeddings.png
"""
import argparse

from scfa_mm.utils.build import add_dump_arguments, read_test_dump
from scfa_mm.utils.plots import plot_embeddings_2d, read_class_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dump_arguments(parser)
    parser.add_argument('--classes', help='class-name file, one per line')
    parser.add_argument('--out', default='embeddings_tsne.png')
    parser.add_argument(
        '--pairs',
        action='store_true',
        help='classes 2k and 2k+1 are time reversals: one '
        'colour per pair')
    args = parser.parse_args()
    dumped = read_test_dump(args.dump, args.allow_pickle)
    if 'embeddings' not in dumped:
        raise KeyError(f'{args.dump} has no "embedding" per video; dump the '
                       'predictions of a model with a projection neck')
    embeddings, labels = dumped['embeddings'], dumped['labels']
    num_classes = dumped['scores'].shape[1] if 'scores' in dumped \
        else labels.max() + 1
    names = read_class_names(args.classes, num_classes)
    plot_embeddings_2d(
        embeddings,
        labels,
        names,
        args.out,
        title=f't-SNE of {len(labels)} test embeddings',
        pairs_share_colour=args.pairs)
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
