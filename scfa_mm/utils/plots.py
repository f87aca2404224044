"""Figures of evaluation results (matplotlib; without a display it picks
a file-only backend by itself)."""
from typing import Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """``(K, K)`` counts: row = true class, column = predicted class."""
    matrix = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def plot_confusion_matrix(matrix: np.ndarray,
                          class_names: Sequence[str],
                          out: str,
                          title: str = 'confusion matrix') -> None:
    """Save ``matrix`` (rows true, columns predicted) as a PNG."""
    size = max(5, 0.35 * len(class_names) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(matrix, cmap='Blues')
    if len(class_names) <= 20:
        for i in range(len(class_names)):
            for j in range(len(class_names)):
                ax.text(
                    j,
                    i,
                    matrix[i, j],
                    ha='center',
                    va='center',
                    fontsize=8,
                    color='white' if matrix[i,
                                            j] > matrix.max() / 2 else 'black')
    fontsize = 9 if len(class_names) <= 20 else 6
    ax.set_xticks(
        range(len(class_names)),
        class_names,
        rotation=60,
        ha='right',
        fontsize=fontsize)
    ax.set_yticks(range(len(class_names)), class_names, fontsize=fontsize)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def plot_embeddings_2d(embeddings: np.ndarray,
                       labels: np.ndarray,
                       class_names: Sequence[str],
                       out: str,
                       title: str = 't-SNE of embeddings',
                       pairs_share_colour: bool = False,
                       seed: int = 0) -> np.ndarray:
    """t-SNE of ``(N, D)`` embeddings to 2-D, coloured by class; saved as a
    PNG. With ``pairs_share_colour``, classes ``2k`` and ``2k+1`` share a
    colour and the second is drawn hollow (time-reversed pairs).

    Returns:
        np.ndarray: ``(N, 2)`` points.
    """
    from sklearn.manifold import TSNE
    points = TSNE(
        n_components=2,
        init='pca',
        random_state=seed,
        perplexity=min(30,
                       len(labels) - 1)).fit_transform(
                           np.asarray(embeddings, np.float32))
    fig, ax = plt.subplots(figsize=(7, 6))
    colours = plt.get_cmap('tab10' if len(class_names) <= 10 else 'tab20')
    for label, name in enumerate(class_names):
        members = labels == label
        if not members.any():
            continue
        index = label // 2 if pairs_share_colour else label
        colour = colours(index % colours.N)
        hollow = pairs_share_colour and label % 2 == 1
        ax.scatter(
            points[members, 0],
            points[members, 1],
            s=28,
            label=name,
            edgecolors=colour,
            facecolors='none' if hollow else colour)
    if len(class_names) <= 20:
        ax.legend(fontsize=8, loc='best')
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return points


def read_class_names(path: Optional[str], num_classes: int) -> list:
    """One name per line, or the indices as names without a file."""
    if path is None:
        return [str(i) for i in range(num_classes)]
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if len(names) < num_classes:
        raise ValueError(f'{path} names {len(names)} classes, the results '
                         f'have {num_classes}')
    return names
