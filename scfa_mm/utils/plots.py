"""Figures of evaluation results and annotated grid images.

The figures are drawn on ``matplotlib.figure.Figure`` objects (no pyplot
state, no display needed; PNGs go through the Agg renderer).
"""
import time
from typing import List, Optional, Sequence, Tuple

import cv2
import matplotlib
import numpy as np
from matplotlib.figure import Figure
from mmengine.logging import print_log

#: Marker shapes that tell classes of similar colours apart.
MARKERS = ('o', 's', '^', 'D', 'v', 'P', 'X', '*')


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
    fig = Figure(figsize=(size + 1, size))
    ax = fig.subplots()
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


def class_styles(num_classes: int,
                 pairs_share_colour: bool = False) -> List[dict]:
    """A scatter style per class that tells up to 480 classes apart.

    Up to 10 classes (colour groups) take ``tab10``, up to 20 ``tab20``,
    all as circles. Beyond, the colours come from ``tab20``, ``tab20b``
    and ``tab20c`` (60 colours) and the markers cycle through
    :data:`MARKERS`, so that neighbouring shades also differ in shape and
    the (colour, marker) pair stays unique past 60 classes.

    Args:
        num_classes (int): Number of classes ``K``.
        pairs_share_colour (bool): Classes ``2k`` and ``2k+1`` (a
            time-reversed pair) share colour and marker; the second is
            hollow.

    Returns:
        list[dict]: Per class, ``color`` (RGBA tuple), ``marker`` and
        ``hollow`` (bool).
    """
    groups = (num_classes + 1) // 2 if pairs_share_colour else num_classes
    if groups <= 20:
        palette = list(
            matplotlib.colormaps['tab10' if groups <= 10 else 'tab20'].colors)
    else:
        palette = [
            colour for name in ('tab20', 'tab20b', 'tab20c')
            for colour in matplotlib.colormaps[name].colors
        ]
    styles = []
    for label in range(num_classes):
        group = label // 2 if pairs_share_colour else label
        if groups <= 20:
            marker = MARKERS[0]
        else:
            # a step of len(palette) + 1 keeps the pair unique when the
            # colours come round again
            marker = MARKERS[(group + group // len(palette)) % len(MARKERS)]
        styles.append(
            dict(
                color=tuple(palette[group % len(palette)]) + (1.0, ),
                marker=marker,
                hollow=pairs_share_colour and label % 2 == 1))
    return styles


def tsne_2d(embeddings: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE of ``(N, D)`` embeddings to ``(N, 2)`` points (sklearn)."""
    from sklearn.manifold import TSNE
    embeddings = np.asarray(embeddings, np.float32)
    print(
        f't-SNE of {len(embeddings)} points of {embeddings.shape[1]} '
        'dimensions ...',
        flush=True)
    start = time.perf_counter()
    points = TSNE(
        n_components=2,
        init='pca',
        random_state=seed,
        perplexity=min(30,
                       len(embeddings) - 1)).fit_transform(embeddings)
    print_log(
        f't-SNE done in {time.perf_counter() - start:.1f} s', logger='current')
    return points


def plot_points_2d(points: np.ndarray,
                   labels: np.ndarray,
                   class_names: Sequence[str],
                   title: str = 't-SNE of embeddings',
                   pairs_share_colour: bool = False) -> Figure:
    """Scatter ``(N, 2)`` points, a style per class (:func:`class_styles`).

    The legend names every class drawn: inside the axes up to 10 classes,
    otherwise beside them in columns of up to 30 (small font), so that it
    never hides points. Save with ``bbox_inches='tight'`` to keep it.

    Returns:
        Figure: ``fig.axes[0]`` holds one scatter per class drawn, in class
        order, labelled with its name.
    """
    labels = np.asarray(labels)
    styles = class_styles(len(class_names), pairs_share_colour)
    many = len(class_names) > 20
    fig = Figure(figsize=(7, 6))
    ax = fig.subplots()
    for label, (name, style) in enumerate(zip(class_names, styles)):
        members = labels == label
        if not members.any():
            continue
        ax.scatter(
            points[members, 0],
            points[members, 1],
            s=18 if many else 28,
            marker=style['marker'],
            linewidths=1,
            label=name,
            edgecolors=[style['color']],
            facecolors='none' if style['hollow'] else [style['color']])
    if len(class_names) <= 10:
        ax.legend(fontsize=8, loc='best')
    else:
        ax.legend(
            fontsize=7 if many else 8,
            ncols=-(-len(class_names) // 30),
            loc='upper left',
            bbox_to_anchor=(1.01, 1.0),
            borderaxespad=0,
            handletextpad=0.2,
            columnspacing=0.8,
            frameon=False)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def plot_embeddings_2d(embeddings: np.ndarray,
                       labels: np.ndarray,
                       class_names: Sequence[str],
                       out: str,
                       title: str = 't-SNE of embeddings',
                       pairs_share_colour: bool = False,
                       seed: int = 0) -> np.ndarray:
    """t-SNE of ``(N, D)`` embeddings to 2-D, a style per class, saved as a
    PNG (:func:`tsne_2d`, :func:`plot_points_2d`). With
    ``pairs_share_colour``, classes ``2k`` and ``2k+1`` share a colour and
    the second is drawn hollow (time-reversed pairs).

    Returns:
        np.ndarray: ``(N, 2)`` points.
    """
    points = tsne_2d(embeddings, seed)
    fig = plot_points_2d(points, labels, class_names, title,
                         pairs_share_colour)
    fig.savefig(out, dpi=100, bbox_inches='tight')
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


def plot_example_grids(dataset: Sequence[dict],
                       names: Sequence[str]) -> Figure:
    """The first video of every class of ``dataset`` as the network sees
    it: the first grid image ``(3, H, W)`` uint8 of its ``inputs``, titled
    with the class name, on two rows.

    Args:
        dataset: A grid dataset (``get_data_info(i)['label']`` and
            ``dataset[i]['inputs']`` of shape ``(V, 3, H, W)``).
        names (Sequence[str]): The class names, by label.

    Returns:
        Figure: One panel per class (empty for a class without a video).
    """
    first = {}
    for index in range(len(dataset)):
        label = dataset.get_data_info(index)['label']
        first.setdefault(label, index)
    columns = (len(names) + 1) // 2
    fig = Figure(figsize=(2.2 * columns, 4.8))
    axes = fig.subplots(2, columns)
    for label, ax in enumerate(axes.flat):
        ax.axis('off')
        if label in first:
            grid = dataset[first[label]]['inputs'][0]  # (3, H, W) uint8
            ax.imshow(grid.permute(1, 2, 0).numpy())
            ax.set_title(names[label], fontsize=9)
    fig.suptitle(
        'one test video per class, as one grid (time: left to '
        'right, top to bottom)',
        fontsize=9)
    fig.tight_layout()
    return fig


def _text_size(text: str, scale: float) -> Tuple[int, int]:
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                                         1)
    return width, height


def _draw_text(canvas: np.ndarray, text: str, scale: float, pad: int,
               colour: Tuple[int, int, int]) -> None:
    height = _text_size('0', scale)[1]
    cv2.putText(canvas, text, (pad, pad + height), cv2.FONT_HERSHEY_SIMPLEX,
                scale, colour, 1, cv2.LINE_AA)


def annotate_grid(grid: np.ndarray,
                  frame_indices: Sequence[int],
                  grid_shape: Tuple[int, int] = (4, 4),
                  title: Optional[str] = None) -> np.ndarray:
    """Write each cell's frame index into a copy of a grid image.

    Cell ``t`` (row-major, as ``GridAggregate`` tiles) gets
    ``frame_indices[t]`` in white on a black box at its top-left corner;
    the box is as wide as the widest number of the grid, so it covers the
    same pixels in every cell, and nothing outside the boxes changes.
    Cells past ``len(frame_indices)`` (padding) stay blank.

    Args:
        grid (np.ndarray): ``(rows * cell_h, cols * cell_w, C)`` uint8.
        frame_indices (Sequence[int]): The source frame of each cell, e.g.
            one view's slice of the sampler's ``frame_inds``.
        grid_shape (tuple[int, int]): ``(rows, cols)``. Defaults to (4, 4).
        title (str, optional): Written on a white strip above the grid
            (e.g. ``'view 0: arm wrestling'``); shrunk to fit the width.

    Returns:
        np.ndarray: The annotated ``(H, W, C)`` image, or ``(H + strip, W,
        C)`` with a title.
    """
    rows, cols = grid_shape
    height, width = grid.shape[:2]
    if grid.ndim != 3 or height % rows or width % cols:
        raise ValueError(f'annotate_grid: a ({rows}, {cols}) grid needs an '
                         '(H, W, C) image with H divisible by rows and W by '
                         f'cols, got shape {grid.shape}')
    if len(frame_indices) > rows * cols:
        raise ValueError(f'annotate_grid: {len(frame_indices)} frame '
                         f'indices for {rows * cols} cells')
    cell_h, cell_w = height // rows, width // cols
    out = np.ascontiguousarray(grid, np.uint8).copy()
    texts = [str(int(index)) for index in frame_indices]
    if texts:
        scale = max(0.25, 0.32 * cell_h / 56)
        pad = max(1, round(2 * cell_h / 56))
        box_h = min(cell_h, _text_size('0', scale)[1] + 2 * pad + 1)
        box_w = min(
            cell_w,
            max(_text_size(text, scale)[0] for text in texts) + 2 * pad)
        for cell, text in enumerate(texts):
            box = np.zeros((box_h, box_w, out.shape[2]), np.uint8)
            _draw_text(box, text, scale, pad, (255, ) * out.shape[2])
            top, left = (cell // cols) * cell_h, (cell % cols) * cell_w
            out[top:top + box_h, left:left + box_w] = box
    if title:
        scale = 0.45 * width / 224
        while scale > 0.25 and _text_size(title, scale)[0] > width - 4:
            scale *= 0.9
        strip = np.full((_text_size('Ag', scale)[1] + 8, width, out.shape[2]),
                        255, np.uint8)
        _draw_text(strip, title, scale, 3, (0, ) * out.shape[2])
        out = np.concatenate([strip, out])
    return out


def add_caption_strip(image: np.ndarray,
                      caption: str,
                      scale: Optional[float] = None) -> np.ndarray:
    """``image`` with ``caption`` written on a white strip under it, in
    as many lines as the width needs.

    Args:
        image (np.ndarray): ``(H, W, C)`` uint8.
        caption (str): The text; words are never split.
        scale (float, optional): OpenCV font scale; default from the width
            (0.45 at 224 pixels, at least 0.3).

    Returns:
        np.ndarray: ``(H + strip, W, C)`` uint8; the first ``H`` rows are
        ``image``.
    """
    height, width = image.shape[:2]
    scale = scale or max(0.3, 0.45 * width / 224)
    lines, line = [], ''
    for word in caption.split() or ['']:
        wider = f'{line} {word}'.strip()
        if line and _text_size(wider, scale)[0] > width - 6:
            lines.append(line)
            line = word
        else:
            line = wider
    lines.append(line)
    line_h = _text_size('Ag', scale)[1] + 6
    strip = np.full((line_h * len(lines) + 4, width, image.shape[2]), 255,
                    np.uint8)
    for index, text in enumerate(lines):
        part = strip[index * line_h:(index + 1) * line_h]
        _draw_text(part, text, scale, 3, (0, ) * image.shape[2])
    return np.concatenate([np.ascontiguousarray(image, np.uint8), strip])
