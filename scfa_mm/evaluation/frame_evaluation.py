"""Offline evaluation of frame-wise representations with the four
frame-level metrics (phase classification, phase progression, Kendall's
tau, frame retrieval AP@K), for a model or for any function that embeds
the frames of a video.

Every video of the training and of the test split passes whole through
the config's test pipeline (every frame, with its phase labels); both
splits are written as ``tools/test.py --dump``-style files, the linear
metrics are fitted on the training split and all four are scored on the
test split, with the settings of the config's ``test_evaluator``.
"""
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import DATASETS, METRICS
from mmengine import Config
from mmengine.utils import ProgressBar
from torch import nn

from ..models.backbones.frame_encoder import sine_cosine_encoding
from ..utils.build import save_dump

#: An embedder: a test sample (``inputs`` ``(1, 3, T, H, W)`` and its
#: ``data_samples``) -> frame embeddings ``(T, D)``.
Embedder = Callable[[Dict], torch.Tensor]

#: The metrics of a config's ``test_evaluator`` that read frames.
FRAME_METRICS = ('KendallsTauMetric', 'FrameRetrievalMetric')

#: Columns of a frame metrics table: (metric key, heading, in percent).
FRAME_COLUMNS: List[Tuple[str, str, bool]] = [
    ('phase/accuracy', 'phase classification', True),
    ('progression/r2', 'phase progression (R²)', False),
    ('kendalls_tau/tau', "Kendall's tau", False),
    ('frame_retrieval/AP@5', 'AP@5', True),
    ('frame_retrieval/AP@10', 'AP@10', True),
    ('frame_retrieval/AP@15', 'AP@15', True),
]


def embed_split(cfg: Config, ann_file: str, embed: Embedder) -> List[Dict]:
    """Embed every video of ``ann_file``, read with the config's test
    pipeline.

    Returns:
        list[dict]: Per video, ``frame_embeddings`` ``(T, D)`` float on the
        CPU, ``frame_labels`` ``(T, )`` and ``gt_label``.
    """
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    dataset_cfg.ann_file = ann_file
    dataset = DATASETS.build(dataset_cfg)
    videos = []
    progress = ProgressBar(len(dataset))
    for index in range(len(dataset)):
        sample = dataset[index]
        data = sample['data_samples']
        videos.append(
            dict(
                frame_embeddings=embed(sample).float().cpu(),
                frame_labels=data.frame_labels.reshape(-1),
                gt_label=data.gt_label))
        progress.update()
    print()
    return videos


def model_embedder(model: nn.Module) -> Embedder:
    """The ``frame_embeddings`` ``(T, D)`` that ``model.predict`` stores
    (a frame-wise model such as CARL)."""

    def embed(sample: Dict) -> torch.Tensor:
        with torch.no_grad():
            data = model.data_preprocessor(
                dict(
                    inputs=[sample['inputs']],
                    data_samples=[sample['data_samples']]), False)
            return model(**data, mode='predict')[0].frame_embeddings

    return embed


def relative_time_embedder(num_train_frames: int, channels: int) -> Embedder:
    """No image content: per frame of a ``(1, 3, T, H, W)`` sample, the
    L2-normalised sine-cosine encoding ``(T, channels)`` of its position,
    the video's ``T`` positions spread over ``[0, num_train_frames - 1]``
    (as the CARL encoder spreads a whole video's positions)."""

    def embed(sample: Dict) -> torch.Tensor:
        num_frames = sample['inputs'].shape[2]
        positions = torch.linspace(0, num_train_frames - 1, num_frames)
        return F.normalize(sine_cosine_encoding(positions, channels), dim=-1)

    return embed


def still_grid_embedder(model: nn.Module,
                        grid_shape: Sequence[int]) -> Embedder:
    """Per-frame features of a grid model (SCFA): each frame of a
    ``(1, 3, T, h, w)`` sample (``h, w`` the grid's cell size) tiled into
    every cell of one ``rows x cols`` grid, the backbone's pooled features
    ``(T, C)``, L2-normalised."""
    rows, cols = grid_shape

    def embed(sample: Dict) -> torch.Tensor:
        frames = sample['inputs'][0].transpose(0, 1)  # (T, 3, h, w)
        grids = frames.repeat(1, 1, rows, cols).unsqueeze(1)
        with torch.no_grad():
            data = model.data_preprocessor(
                dict(inputs=list(grids.float()), data_samples=None), False)
            feats, _ = model.extract_feat(data['inputs'])
        return F.normalize(feats, dim=-1)

    return embed


def evaluate_frame_metrics(test_videos: List[Dict], train_dump: str,
                           evaluators: List[dict]) -> Dict[str, float]:
    """Score the test videos with ``evaluators`` (metric configs) and with
    phase classification and progression fitted on ``train_dump``.

    ``per_action`` and ``drop_unlabelled_frames`` of the two linear
    metrics are on unless one of ``evaluators`` turns them off (both are
    on by default).

    Returns:
        dict: ``prefix/name`` -> value, e.g. ``phase/accuracy``.
    """
    shared = {
        key: all(e.get(key, True) for e in evaluators)
        for key in ('per_action', 'drop_unlabelled_frames')
    }
    metric_cfgs = list(evaluators) + [
        dict(type=name, train_dump=train_dump, **shared)
        for name in ('PhaseClassificationMetric', 'PhaseProgressionMetric')
    ]
    results = {}
    for metric_cfg in metric_cfgs:
        metric = METRICS.build(metric_cfg)
        metric.process(None, test_videos)
        for name, value in metric.compute_metrics(metric.results).items():
            results[f'{metric.prefix}/{name}'] = value
    return results


def evaluate_frames(cfg: Config,
                    embed: Embedder,
                    work_dir: str,
                    train_ann_file: Optional[str] = None) -> Dict[str, float]:
    """Embed the training and the test split of ``cfg`` with ``embed``,
    dump them into ``work_dir`` (``train_frames.pt``, ``test_frames.pt``)
    and score the frame metrics of the config's ``test_evaluator``
    (:data:`FRAME_METRICS`) and the two linear ones.

    Args:
        cfg (Config): A frame-wise config (test pipeline with phase
            labels).
        embed (Embedder): Frame embeddings of one test sample.
        work_dir (str): Where the dumps go (made if missing).
        train_ann_file (str, optional): The training split's list.
            Defaults to the config's ``train_dataloader`` list.

    Returns:
        dict: ``prefix/name`` -> value.
    """
    os.makedirs(work_dir, exist_ok=True)
    splits = dict(
        train=train_ann_file or cfg.train_dataloader.dataset.ann_file,
        test=cfg.test_dataloader.dataset.ann_file)
    videos, dumps = {}, {}
    for split, ann_file in splits.items():
        print(f'embedding the {split} split ({ann_file})')
        videos[split] = embed_split(cfg, ann_file, embed)
        dumps[split] = osp.join(work_dir, f'{split}_frames.pt')
        save_dump(videos[split], dumps[split])
    evaluators = cfg.test_evaluator if isinstance(
        cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
    evaluators = [e for e in evaluators if e['type'] in FRAME_METRICS]
    return evaluate_frame_metrics(videos['test'], dumps['train'], evaluators)


def frame_metrics_table(rows: Dict[str, Dict[str, float]]) -> str:
    """A markdown table of representations (rows: name -> metrics) in the
    :data:`FRAME_COLUMNS`: shares in percent with one digit, the others
    with three."""
    lines = [
        '| representation | ' + ' | '.join(c[1] for c in FRAME_COLUMNS) + ' |',
        '|---|' + '---|' * len(FRAME_COLUMNS)
    ]
    for name, metrics in rows.items():
        cells = [
            f'{100 * metrics[key]:.1f}%' if percent else f'{metrics[key]:.3f}'
            for key, _, percent in FRAME_COLUMNS
        ]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
