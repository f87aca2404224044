"""Confusion-matrix PNG with class names from a ``tools/test.py --dump``.

Example:
    python tools/test.py CONFIG CKPT --dump results.pt
    python tools/analysis/confusion_matrix.py results.pt \
        --classes data/hmdb51/classnames.txt --out confusion.png
"""
import argparse

import numpy as np

from scfa_mm.utils.build import add_dump_arguments, read_test_dump
from scfa_mm.utils.plots import (confusion_matrix, plot_confusion_matrix,
                                 read_class_names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dump_arguments(parser)
    parser.add_argument('--classes', help='class-name file, one per line')
    parser.add_argument('--out', default='confusion_matrix.png')
    args = parser.parse_args()
    dumped = read_test_dump(args.dump, args.allow_pickle)
    scores, labels = dumped['scores'], dumped['labels']
    names = read_class_names(args.classes, scores.shape[1])
    matrix = confusion_matrix(labels, scores.argmax(1), len(names))
    plot_confusion_matrix(
        matrix,
        names,
        args.out,
        title=f'confusion matrix, top-1 {np.trace(matrix) / len(labels):.1%}'
        f' of {len(labels)} videos')
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
