import math
import pickle
from collections import Counter

import numpy as np
import pytest
import torch

from scfa_mm.evaluation import EmbeddingRetrievalMetric, KNNAccuracyMetric
from scfa_mm.utils.build import save_dump


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b))


def brute_force(query, query_labels, gallery, gallery_labels, same_set, k,
                topk):
    """Loops: rank the gallery per query, then Recall@k, AP and k-NN."""
    recalls = {t: 0 for t in topk}
    aps, knn_hits = [], 0
    for i, q in enumerate(query):
        candidates = [(cosine(q, g), j) for j, g in enumerate(gallery)
                      if not (same_set and j == i)]
        # stable: equal similarities keep gallery order
        candidates.sort(key=lambda item: -item[0])
        ranked = [gallery_labels[j] for _, j in candidates]
        for t in topk:
            recalls[t] += query_labels[i] in ranked[:t]
        found, precisions = 0, []
        for rank, label in enumerate(ranked, 1):
            if label == query_labels[i]:
                found += 1
                precisions.append(found / rank)
        if precisions:
            aps.append(sum(precisions) / len(precisions))
        votes = Counter(ranked[:k])
        most = max(votes.values())
        winner = next(label for label in ranked[:k] if votes[label] == most)
        knn_hits += winner == query_labels[i]
    n = len(query)
    return ({
        f'recall@{t}': recalls[t] / n
        for t in topk
    }, sum(aps) / len(aps), knn_hits / n)


def predictions(embeddings, labels):
    return [
        dict(embedding=torch.tensor(e), gt_label=torch.tensor([label]))
        for e, label in zip(embeddings, labels)
    ]


def evaluate(metric, embeddings, labels):
    metric.process(None, predictions(embeddings, labels))
    return metric.evaluate(len(labels))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 30)
    # clustered by class, plus noise, and one class of a single video
    centres = rng.normal(size=(5, 6))
    embeddings = centres[labels] + rng.normal(scale=1.2, size=(30, 6))
    labels[0] = 4
    return embeddings, labels


def test_leave_one_out_against_brute_force(data):
    embeddings, labels = data
    recalls, mean_ap, knn = brute_force(embeddings, labels, embeddings, labels,
                                        True, 5, (1, 5, 10))
    result = evaluate(EmbeddingRetrievalMetric(), embeddings, labels)
    for name, value in recalls.items():
        assert result[f'retrieval/{name}'] == pytest.approx(value)
    assert result['retrieval/mAP'] == pytest.approx(mean_ap)
    knn_result = evaluate(KNNAccuracyMetric(k=5), embeddings, labels)
    assert knn_result['knn/top1@k=5'] == pytest.approx(knn)


def test_gallery_from_a_dump_against_brute_force(data, tmp_path):
    embeddings, labels = data
    rng = np.random.default_rng(1)
    gallery = rng.normal(size=(12, 6))
    gallery_labels = rng.integers(0, 5, 12)
    dump = tmp_path / 'train.pt'
    save_dump([
        dict(embedding=g.astype(np.float32), gt_label=np.array([label]))
        for g, label in zip(gallery, gallery_labels)
    ], str(dump))
    recalls, mean_ap, knn = brute_force(embeddings, labels, gallery,
                                        gallery_labels, False, 3, (1, 5))
    result = evaluate(
        EmbeddingRetrievalMetric(topk=(1, 5), gallery_dump=str(dump)),
        embeddings, labels)
    assert result['retrieval/recall@1'] == pytest.approx(recalls['recall@1'])
    assert result['retrieval/recall@5'] == pytest.approx(recalls['recall@5'])
    assert result['retrieval/mAP'] == pytest.approx(mean_ap, rel=1e-6)
    knn_result = evaluate(
        KNNAccuracyMetric(k=3, gallery_dump=str(dump)), embeddings, labels)
    assert knn_result['knn/top1@k=3'] == pytest.approx(knn)
    # an old pickle dump is refused unread: unpickling can run code
    with open(tmp_path / 'train.pkl', 'wb') as f:
        pickle.dump([dict(embedding=gallery[0], gt_label=0)], f)
    with pytest.raises(ValueError, match='allow_pickle'):
        evaluate(
            KNNAccuracyMetric(k=3, gallery_dump=str(tmp_path / 'train.pkl')),
            embeddings, labels)


def test_perfect_clusters_score_one():
    embeddings = np.repeat(np.eye(3), 4, axis=0)
    labels = np.repeat(np.arange(3), 4)
    result = evaluate(EmbeddingRetrievalMetric(topk=(1, )), embeddings, labels)
    assert result == {'retrieval/recall@1': 1.0, 'retrieval/mAP': 1.0}


def test_missing_embedding_is_explained():
    metric = KNNAccuracyMetric()
    with pytest.raises(KeyError, match='embedding'):
        metric.process(None, [dict(gt_label=torch.tensor([0]))])


@pytest.mark.parametrize('build, message', [
    (lambda: EmbeddingRetrievalMetric(topk=(0, 5)),
     r'EmbeddingRetrievalMetric: topk\[0\] must be an integer >= 1, got 0'),
    (lambda: EmbeddingRetrievalMetric(topk=()),
     'EmbeddingRetrievalMetric: topk must name at least one k'),
    (lambda: KNNAccuracyMetric(k=0),
     'KNNAccuracyMetric: k must be an integer >= 1, got 0'),
    (lambda: KNNAccuracyMetric(k=2.5),
     'KNNAccuracyMetric: k must be an integer >= 1, got 2.5'),
])
def test_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.fixture
def logged(monkeypatch):
    messages = []
    monkeypatch.setattr('scfa_mm.evaluation.embedding_metrics.print_log',
                        lambda message, **kwargs: messages.append(message))
    return messages


@pytest.mark.parametrize('metric', [
    lambda: EmbeddingRetrievalMetric(topk=(1, )),
    lambda: KNNAccuracyMetric(k=1)
])
def test_queries_without_a_match_are_said(metric, logged):
    embeddings = np.eye(4)
    # every class once: no query has a video of its class to find
    result = evaluate(metric(), embeddings, [0, 1, 2, 3])
    assert set(result.values()) == {0.0}
    [message] = logged
    assert 'every query (classes 0, 1, 2, 3) found no video of its class ' \
        'among the other test videos' in message
    assert 'measures nothing' in message


def test_partly_matched_queries_cap_the_score(logged):
    embeddings = np.array([[1, 0], [1, .1], [0, 1], [.1, 1], [-1, 0], [0, -1]])
    labels = [0, 0, 1, 1, 2, 3]  # classes 2 and 3 have one video each
    result = evaluate(EmbeddingRetrievalMetric(topk=(1, )), embeddings, labels)
    # the four matched queries find their twin first; the two cannot
    assert result['retrieval/recall@1'] == pytest.approx(4 / 6)
    [message] = logged
    assert '2 of 6 queries (classes 2, 3)' in message
    assert 'caps the score at 0.6667' in message

    logged.clear()
    evaluate(EmbeddingRetrievalMetric(topk=(1, )), embeddings[:4], labels[:4])
    assert logged == []
