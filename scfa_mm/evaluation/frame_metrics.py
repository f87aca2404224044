"""Frame-level evaluation of frame-wise video representations (TCC, LAV,
CARL): phase classification, phase progression, Kendall's tau and
fine-grained frame retrieval AP@K.

Every metric reads, per test video, ``frame_embeddings`` ``(T, D)`` (from
``CARL.predict``), ``frame_labels`` ``(T, )`` (per-frame phase labels, from
``LoadFramePhaseLabels``) and ``gt_label`` (the action). With
``per_action=True`` (Penn Action's protocol) a metric is computed within
each action and averaged over the actions; phase labels are then specific to
an action. The two metrics that train a linear model read the training
split's embeddings from a ``tools/test.py --dump`` file (``train_dump``),
as the retrieval metrics read their gallery.

As in the authors' CARL code (``evaluate.py``), frames whose phase label is
negative (unlabelled) are left out of every metric, in the test videos and
in the training dump, after the whole video has been embedded and before
any frame stride (``drop_unlabelled_frames=True``); distances are squared
Euclidean in float64 (``scipy``'s ``cdist``, as the authors' code).
"""
from collections import defaultdict
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from scipy.spatial.distance import cdist

from ..utils.arguments import check_int
from ..utils.build import load_dump


class Video(NamedTuple):
    """One video as the frame metrics read it."""
    embeddings: np.ndarray  # (T, D) float32 frame embeddings
    labels: np.ndarray  # (T, ) int64 phase labels, < 0 for unlabelled
    action: int  # the video's action label


def read_frame_dump(path: str) -> List[Video]:
    """The videos of a ``tools/test.py --dump`` file of a frame-wise model,
    as ``(embeddings (T, D), phase labels (T, ), action)``."""
    results = load_dump(path)['samples']
    if not results:
        raise ValueError(f'{path} holds no predictions')
    missing = {'frame_embeddings', 'frame_labels'} - set(results[0])
    if missing:
        raise KeyError(f'{path} holds no {sorted(missing)} per video: dump '
                       'the predictions of a frame-wise model (CARL) with '
                       'LoadFramePhaseLabels in the test pipeline')
    return [_video(r) for r in results]


def _array(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().float().cpu().numpy()
    return np.asarray(value)


def _video(sample: Dict) -> Video:
    embeddings = _array(sample['frame_embeddings']).astype(np.float32)
    labels = _array(sample['frame_labels']).astype(np.int64).reshape(-1)
    if len(labels) != len(embeddings):
        raise ValueError(f'{len(embeddings)} frame embeddings but '
                         f'{len(labels)} frame labels in one video')
    action = int(_array(sample['gt_label']).reshape(-1)[0])
    return Video(embeddings, labels, action)


def kendalls_tau(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b of two sequences (ties counted as scipy's
    ``kendalltau`` does); NaN when either is constant."""
    x_sign = np.sign(x[:, None] - x[None, :])
    y_sign = np.sign(y[:, None] - y[None, :])
    upper = np.triu_indices(len(x), k=1)
    x_sign, y_sign = x_sign[upper], y_sign[upper]
    x_pairs, y_pairs = np.count_nonzero(x_sign), np.count_nonzero(y_sign)
    if x_pairs == 0 or y_pairs == 0:
        return float('nan')
    return float((x_sign * y_sign).sum() / np.sqrt(x_pairs * y_pairs))


def frame_distances(query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances ``(Q, C)`` of query rows ``(Q, D)`` to
    candidate rows ``(C, D)``, in float64."""
    return cdist(
        query.astype(np.float64), candidates.astype(np.float64), 'sqeuclidean')


def nearest_frames(query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Index of the nearest candidate row (Euclidean) of every query row
    (the first one on a tie)."""
    return frame_distances(query, candidates).argmin(1)


def phase_progress(labels: np.ndarray, num_phases: int) -> np.ndarray:
    """Progress targets ``(T, num_phases - 1)`` of a video (TCC's phase
    progression, as the authors' CARL code): for each phase ``k`` but the
    last, the signed distance of every frame from the last frame labelled
    ``k``, divided by ``T``. A phase absent from the video (where that code
    stops with an error) puts its boundary before the first frame of a
    later phase."""
    frames = np.arange(len(labels), dtype=np.float64)
    ends = []
    for k in range(num_phases - 1):
        frames_of_k = np.flatnonzero(labels == k)
        before_later_phases = np.count_nonzero(labels <= k) - 1
        ends.append(
            frames_of_k[-1] if len(frames_of_k) else before_later_phases)
    return np.stack([(frames - end) / len(labels) for end in ends], axis=1)


def labelled_frames(videos: List[Video]) -> List[Video]:
    """The videos with their frames labelled ``< 0`` left out; videos left
    with no frame are dropped."""
    kept = []
    for embeddings, labels, action in videos:
        labelled = labels >= 0
        if labelled.any():
            kept.append(Video(embeddings[labelled], labels[labelled], action))
    return kept


class _FrameMetric(BaseMetric):
    """Collects frame embeddings, phase labels and actions of the test
    videos and evaluates per action (or over all videos), on the labelled
    frames only unless ``drop_unlabelled_frames=False``."""

    needs_train_dump = False

    def __init__(self,
                 train_dump: Optional[str] = None,
                 per_action: bool = True,
                 drop_unlabelled_frames: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if self.needs_train_dump and not train_dump:
            raise ValueError(
                f'{type(self).__name__}: train_dump must name a '
                'tools/test.py --dump file of the training split (the '
                'linear model is fitted on it)')
        self.train_dump = train_dump
        self.per_action = per_action
        self.drop_unlabelled_frames = drop_unlabelled_frames

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            for key in ('frame_embeddings', 'frame_labels'):
                if key not in sample:
                    raise KeyError(
                        f'{type(self).__name__} needs "{key}" per video: a '
                        'frame-wise model (CARL) and LoadFramePhaseLabels '
                        'in the test pipeline')
            self.results.append(_video(sample))

    def groups(self, videos: List[Video]) -> Dict[int, List[Video]]:
        """Videos by action (one group of all with ``per_action=False``)."""
        grouped = defaultdict(list)
        for video in videos:
            grouped[video.action if self.per_action else 0].append(video)
        return dict(sorted(grouped.items()))

    def compute_metrics(self, results: List[Video]) -> Dict[str, float]:
        train = read_frame_dump(self.train_dump) if self.train_dump else []
        if self.drop_unlabelled_frames:
            results, train = labelled_frames(results), labelled_frames(train)
        test_groups, train_groups = self.groups(results), self.groups(train)
        per_group = defaultdict(list)
        for action, videos in test_groups.items():
            if self.needs_train_dump and action not in train_groups:
                raise ValueError(
                    f'{type(self).__name__}: action {action} has test videos '
                    f'but none in {self.train_dump}')
            scores = self.evaluate_group(videos, train_groups.get(action))
            for name, value in scores.items():
                per_group[name].append(value)
        return {
            name: float(np.nanmean(values))
            for name, values in per_group.items()
        }

    def evaluate_group(
            self, videos: List[Video],
            train_videos: Optional[List[Video]]) -> Dict[str, float]:
        """The metric on the videos of one group."""
        raise NotImplementedError


@METRICS.register_module()
class PhaseClassificationMetric(_FrameMetric):
    """Phase classification: per-frame accuracy of a linear classifier
    (multinomial logistic regression, L2 penalty with ``C = 1``, L-BFGS, on
    the embeddings as they come, as the authors' CARL code) fitted on the
    frozen frame embeddings and phase labels of the training split.

    Args:
        train_dump (str): ``tools/test.py --dump`` file of the training
            split.
        per_action (bool): Within each action, then averaged. Defaults to
            True.
        drop_unlabelled_frames (bool): Leave out frames labelled ``< 0``.
            Defaults to True.
        max_iter (int): Iterations of the L-BFGS solver (the authors'
            code: 100000, enough to converge). Defaults to 100000.
        collect_device (str): See :class:`BaseMetric`.
        prefix (str, optional): Defaults to ``'phase'``.
    """

    default_prefix = 'phase'
    needs_train_dump = True

    def __init__(self,
                 train_dump: str,
                 max_iter: int = 100000,
                 **kwargs) -> None:
        super().__init__(train_dump=train_dump, **kwargs)
        check_int('PhaseClassificationMetric', max_iter=max_iter)
        self.max_iter = max_iter

    def evaluate_group(self, videos, train_videos):
        from sklearn.linear_model import LogisticRegression
        train_x = np.concatenate([v.embeddings for v in train_videos])
        train_y = np.concatenate([v.labels for v in train_videos])
        test_x = np.concatenate([v.embeddings for v in videos])
        test_y = np.concatenate([v.labels for v in videos])
        if len(np.unique(train_y)) == 1:
            predictions = np.full_like(test_y, train_y[0])
        else:
            classifier = LogisticRegression(
                C=1.0, solver='lbfgs', max_iter=self.max_iter)
            predictions = classifier.fit(train_x, train_y).predict(test_x)
        return dict(accuracy=float((predictions == test_y).mean()))


@METRICS.register_module()
class PhaseProgressionMetric(_FrameMetric):
    """Phase progression: how well a linear regression of the frozen frame
    embeddings predicts each frame's progress relative to every phase
    boundary (:func:`phase_progress`), fitted on the training split; the
    R² on the test frames, averaged over the boundaries (and actions).

    Args:
        train_dump (str): ``tools/test.py --dump`` file of the training
            split.
        per_action (bool): Within each action, then averaged. Defaults to
            True.
        drop_unlabelled_frames (bool): Leave out frames labelled ``< 0``.
            Defaults to True.
        collect_device (str): See :class:`BaseMetric`.
        prefix (str, optional): Defaults to ``'progression'``.
    """

    default_prefix = 'progression'
    needs_train_dump = True

    def __init__(self, train_dump: str, **kwargs) -> None:
        super().__init__(train_dump=train_dump, **kwargs)

    def evaluate_group(self, videos, train_videos):
        num_phases = 1 + max(
            int(v.labels.max()) for v in list(videos) + list(train_videos))
        if num_phases < 2:
            return dict(r2=float('nan'))

        def stack(group):
            x = np.concatenate([v.embeddings
                                for v in group]).astype(np.float64)
            y = np.concatenate(
                [phase_progress(v.labels, num_phases) for v in group])
            return np.hstack([x, np.ones((len(x), 1))]), y

        train_x, train_y = stack(train_videos)
        test_x, test_y = stack(videos)
        weights = np.linalg.lstsq(train_x, train_y, rcond=None)[0]
        residual = ((test_y - test_x @ weights)**2).sum(0)
        total = ((test_y - test_y.mean(0))**2).sum(0)
        return dict(r2=float(np.mean(1 - residual / total)))


@METRICS.register_module()
class KendallsTauMetric(_FrameMetric):
    """Kendall's tau of temporal alignment (TCC): for every ordered pair of
    test videos (of the same action), every ``stride``-th frame of the first
    takes its nearest frame (squared Euclidean distance) among every
    ``stride``-th frame of the second; tau-b of the frame order against the
    order of their matches. The mean over pairs (pairs whose matches are
    all one frame are left out, as in the authors' code).

    Args:
        stride (int): Frame stride, after unlabelled frames are left out
            (the authors' code: 5 for Pouring, 2 for Penn Action).
            Defaults to 5.
        per_action (bool): Pairs within each action, then averaged.
            Defaults to True.
        drop_unlabelled_frames (bool): Leave out frames labelled ``< 0``
            (before the stride). Defaults to True.
        collect_device (str): See :class:`BaseMetric`.
        prefix (str, optional): Defaults to ``'kendalls_tau'``.
    """

    default_prefix = 'kendalls_tau'

    def __init__(self, stride: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        check_int('KendallsTauMetric', stride=stride)
        self.stride = stride

    def evaluate_group(self, videos, train_videos):
        taus = []
        for i, (query, _, _) in enumerate(videos):
            for j, (candidates, _, _) in enumerate(videos):
                if i != j:
                    matches = nearest_frames(query[::self.stride],
                                             candidates[::self.stride])
                    taus.append(kendalls_tau(np.arange(len(matches)), matches))
        return dict(tau=float(np.nanmean(taus)) if taus else float('nan'))


@METRICS.register_module()
class FrameRetrievalMetric(_FrameMetric):
    """Fine-grained frame retrieval AP@K (LAV): every ``stride``-th frame of
    a test video retrieves its ``K`` nearest frames among every
    ``stride``-th frame of the other test videos (of the same action); the
    share of them with the query's phase label, averaged over the query
    frames of a video, then over videos (and actions).

    Args:
        topk (Sequence[int]): The ``K``. Defaults to (5, 10, 15).
        stride (int): Frame stride, after unlabelled frames are left out
            (the authors' code: 5 for Pouring, 2 for Penn Action).
            Defaults to 5.
        per_action (bool): Within each action, then averaged. Defaults to
            True.
        drop_unlabelled_frames (bool): Leave out frames labelled ``< 0``.
            Defaults to True.
        collect_device (str): See :class:`BaseMetric`.
        prefix (str, optional): Defaults to ``'frame_retrieval'``.
    """

    default_prefix = 'frame_retrieval'

    def __init__(self,
                 topk: Sequence[int] = (5, 10, 15),
                 stride: int = 5,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not topk:
            raise ValueError('FrameRetrievalMetric: topk must name at least '
                             f'one K, got {topk!r}')
        check_int(
            'FrameRetrievalMetric',
            stride=stride,
            **{
                f'topk[{i}]': k
                for i, k in enumerate(topk)
            })
        self.topk = tuple(topk)
        self.stride = stride

    def evaluate_group(self, videos, train_videos):
        precisions = defaultdict(list)
        for i, (query, query_labels, _) in enumerate(videos):
            others = [v for j, v in enumerate(videos) if j != i]
            if not others:
                continue
            gallery = np.concatenate(
                [v.embeddings[::self.stride] for v in others])
            gallery_labels = np.concatenate(
                [v.labels[::self.stride] for v in others])
            query, query_labels = query[::self.stride], query_labels[::self.
                                                                     stride]
            order = np.argsort(
                frame_distances(query, gallery), axis=1, kind='stable')
            hits = gallery_labels[order] == query_labels[:, None]
            for k in self.topk:
                precisions[k].append(hits[:, :k].mean())
        return {
            f'AP@{k}': float(np.mean(values)) if values else float('nan')
            for k, values in ((k, precisions[k]) for k in self.topk)
        }
