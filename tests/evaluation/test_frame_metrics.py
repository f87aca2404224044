"""The four frame-level metrics (CARL) against independent computations."""
import numpy as np
import pytest
import torch
from scipy.stats import kendalltau
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from scfa_mm.evaluation import (FrameRetrievalMetric, KendallsTauMetric,
                                PhaseClassificationMetric,
                                PhaseProgressionMetric)
from scfa_mm.evaluation.frame_metrics import (Video, kendalls_tau,
                                              labelled_frames, phase_progress)
from scfa_mm.utils.build import save_dump


def make_video(rng, num_frames, action, dim=6, num_phases=3):
    labels = np.sort(rng.integers(0, num_phases, num_frames))
    labels[:num_phases] = np.arange(num_phases)  # every phase present
    labels = np.sort(labels)
    embeddings = rng.normal(size=(num_frames, dim)).astype(np.float32)
    return embeddings, labels, action


def as_sample(video):
    embeddings, labels, action = video
    return dict(
        frame_embeddings=torch.from_numpy(embeddings),
        frame_labels=labels,
        gt_label=torch.tensor([action]))


def evaluate(metric, videos):
    metric.process(None, [as_sample(v) for v in videos])
    return metric.compute_metrics(metric.results)


def dump(path, videos):
    save_dump([as_sample(v) for v in videos], str(path))
    return str(path)


def test_kendalls_tau_equals_scipy_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = np.arange(15)
        y = rng.integers(0, 6, 15)  # many ties, as nearest-frame matches
        assert kendalls_tau(x, y) == pytest.approx(
            kendalltau(x, y).correlation, abs=1e-12)
    assert np.isnan(kendalls_tau(np.arange(4), np.zeros(4)))


def test_kendalls_tau_metric_against_brute_force():
    rng = np.random.default_rng(1)
    videos = [
        make_video(rng, n, action=a)
        for n, a in ((23, 0), (31, 1), (17, 0), (40, 1))
    ]
    stride = 3
    expected = []
    for action in (0, 1):
        group = [v for v in videos if v[2] == action]
        taus = []
        for i, query in enumerate(group):
            for j, candidate in enumerate(group):
                if i == j:
                    continue
                q, c = query[0][::stride], candidate[0][::stride]
                matches = [
                    min(range(len(c)),
                        key=lambda k: float(((q[t] - c[k])**2).sum()))
                    for t in range(len(q))
                ]
                taus.append(kendalltau(np.arange(len(q)), matches).correlation)
        expected.append(np.nanmean(taus))
    result = evaluate(KendallsTauMetric(stride=stride), videos)
    assert result['tau'] == pytest.approx(np.mean(expected), abs=1e-9)


def test_a_perfectly_aligned_pair_has_tau_one():
    ramp = np.linspace(0, 1, 30)[:, None] * np.ones((1, 4))
    videos = [(ramp, np.zeros(30, int), 0), (ramp + 1e-3, np.zeros(30,
                                                                   int), 0)]
    result = evaluate(KendallsTauMetric(stride=1), videos)
    assert result['tau'] == pytest.approx(1.0)


def test_frame_retrieval_against_a_loop():
    rng = np.random.default_rng(2)
    videos = [make_video(rng, n, action=0) for n in (20, 25, 30)]
    stride, k = 2, 4
    per_video = []
    for i, (query, query_labels, _) in enumerate(videos):
        gallery = [(frame, label) for j, v in enumerate(videos) if j != i
                   for frame, label in zip(v[0][::stride], v[1][::stride])]
        precisions = []
        for frame, label in zip(query[::stride], query_labels[::stride]):
            nearest = sorted(
                gallery, key=lambda g: float(((frame - g[0])**2).sum()))[:k]
            precisions.append(np.mean([g[1] == label for g in nearest]))
        per_video.append(np.mean(precisions))
    result = evaluate(FrameRetrievalMetric(topk=(k, ), stride=stride), videos)
    assert result[f'AP@{k}'] == pytest.approx(np.mean(per_video), abs=1e-9)


def test_phase_progress_by_hand():
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    progress = phase_progress(labels, 3)
    # boundary 0: last frame of phase 0 is 2; boundary 1: frame 4; T = 8
    np.testing.assert_allclose(progress[:, 0], (np.arange(8) - 2) / 8)
    np.testing.assert_allclose(progress[:, 1], (np.arange(8) - 4) / 8)
    # phase 1 absent: its boundary is where phase 2 starts
    np.testing.assert_allclose(
        phase_progress(np.array([0, 0, 2, 2]), 3)[:, 1],
        (np.arange(4) - 1) / 4)


def test_phase_progression_equals_sklearn(tmp_path):
    rng = np.random.default_rng(3)
    train = [make_video(rng, n, action=0) for n in (30, 40, 35, 28)]
    test = [make_video(rng, n, action=0) for n in (33, 26)]
    # embeddings that carry the progress, plus noise
    for video in train + test:
        video[0][:, 0] = np.linspace(0, 1, len(video[0]))
    targets = [phase_progress(v[1], 3) for v in train]
    model = LinearRegression().fit(
        np.concatenate([v[0] for v in train]), np.concatenate(targets))
    test_y = np.concatenate([phase_progress(v[1], 3) for v in test])
    predicted = model.predict(np.concatenate([v[0] for v in test]))
    expected = np.mean(
        [r2_score(test_y[:, i], predicted[:, i]) for i in range(2)])
    result = evaluate(
        PhaseProgressionMetric(train_dump=dump(tmp_path / 'train.pkl', train)),
        test)
    assert result['r2'] == pytest.approx(expected, abs=1e-6)


def test_phase_classification_counts_the_frames_it_gets_right(tmp_path):
    rng = np.random.default_rng(4)

    def separable(labels, flip=()):
        # phase k sits at 10 * e_k; flipped frames sit at another phase
        shown = labels.copy()
        shown[list(flip)] = (shown[list(flip)] + 1) % 3
        return (10 * np.eye(3)[shown] +
                rng.normal(0, 0.1, (len(labels), 3))).astype(np.float32)

    train = []
    for n in (30, 24, 27):
        labels = np.repeat([0, 1, 2], [n // 3, n // 3, n - 2 * (n // 3)])
        train.append((separable(labels), labels, 0))
    labels = np.repeat([0, 1, 2], [7, 7, 6])
    test = [(separable(labels, flip=(0, 5, 19)), labels, 0)]
    result = evaluate(
        PhaseClassificationMetric(
            train_dump=dump(tmp_path / 'train.pkl', train)), test)
    assert result['accuracy'] == pytest.approx(17 / 20)


def test_per_action_results_are_averaged_over_actions():
    ramp = np.linspace(0, 1, 20)[:, None] * np.ones((1, 3))
    aligned = [(ramp, np.zeros(20, int), 0), (ramp + 1e-3, np.zeros(20,
                                                                    int), 0)]
    reversed_pair = [(ramp, np.zeros(20, int), 1),
                     (ramp[::-1].copy(), np.zeros(20, int), 1)]
    result = evaluate(KendallsTauMetric(stride=1), aligned + reversed_pair)
    assert result['tau'] == pytest.approx((1.0 + -1.0) / 2)
    pooled = evaluate(
        KendallsTauMetric(stride=1, per_action=False),
        aligned[:1] + reversed_pair[1:])
    assert pooled['tau'] == pytest.approx(-1.0)


def test_missing_inputs_are_named(tmp_path):
    with pytest.raises(ValueError, match='train_dump'):
        PhaseClassificationMetric(train_dump=None)
    metric = KendallsTauMetric()
    with pytest.raises(KeyError, match='frame_embeddings'):
        metric.process(None, [dict(frame_labels=np.zeros(3), gt_label=0)])
    save_dump([dict(embedding=np.zeros(3), gt_label=0)],
              str(tmp_path / 'video_level.pt'))
    metric = PhaseProgressionMetric(
        train_dump=str(tmp_path / 'video_level.pt'))
    metric.process(None,
                   [as_sample(make_video(np.random.default_rng(0), 9, 0))])
    with pytest.raises(KeyError, match='frame_embeddings'):
        metric.compute_metrics(metric.results)


# Hand-worked toy for the authors' protocol (frames labelled < 0 left out
# before the stride): 1-d embeddings, A a ramp, B the same ramp shifted by
# 0.1 with an unlabelled first frame that looks like the end of the action.
TOY_A = (np.arange(6.0)[:, None], np.array([0, 0, 0, 1, 1, 1]), 0)
TOY_B_X = np.array([5.2, 0.1, 1.1, 2.1, 3.1, 4.1])[:, None]
TOY_B = (TOY_B_X, np.array([-1, 0, 0, 0, 1, 1]), 0)


def test_kendalls_tau_leaves_out_unlabelled_frames_before_the_stride():
    # labelled frames, stride 2: A [0, 2, 4], B [0.1, 2.1, 4.1]; both
    # directions match in order: tau 1
    tau = evaluate(KendallsTauMetric(stride=2), [TOY_A, TOY_B])['tau']
    assert tau == pytest.approx(1.0)
    # stride 1: A -> B matches [0, 1, 2, 3, 4, 4] (one tie of 15 pairs):
    # tau-b = 14 / sqrt(15 * 14); B -> A matches in order: 1
    tau = evaluate(KendallsTauMetric(stride=1), [TOY_A, TOY_B])['tau']
    assert tau == pytest.approx((np.sqrt(14 / 15) + 1) / 2)
    # every frame, stride 2: B [5.2, 1.1, 3.1]; A -> B matches [1, 1, 2]
    # (tau-b 2 / sqrt(3 * 2)), B -> A matches [2, 1, 2] (tau-b 0)
    tau = evaluate(
        KendallsTauMetric(stride=2, drop_unlabelled_frames=False),
        [TOY_A, TOY_B])['tau']
    assert tau == pytest.approx((2 / np.sqrt(6) + 0) / 2)


def test_frame_retrieval_leaves_out_unlabelled_frames():
    # labelled frames, stride 2: A [0, 2, 4] labels [0, 0, 1] and B [0.1,
    # 2.1, 4.1] labels [0, 0, 1] retrieve each other's frame of their phase
    result = evaluate(
        FrameRetrievalMetric(topk=(1, ), stride=2), [TOY_A, TOY_B])
    assert result['AP@1'] == pytest.approx(1.0)
    # every frame, stride 2: B [5.2, 1.1, 3.1] labels [-1, 0, 1]. A's
    # queries 0, 2, 4 (labels 0, 0, 1) find 1.1, 1.1, 3.1 (labels 0, 0, 1):
    # 3 of 3 right; B's queries find 4, 2, 4 (labels 1, 0, 1): 2 of 3
    result = evaluate(
        FrameRetrievalMetric(
            topk=(1, ), stride=2, drop_unlabelled_frames=False),
        [TOY_A, TOY_B])
    assert result['AP@1'] == pytest.approx((1 + 2 / 3) / 2)


def test_phase_classification_leaves_out_unlabelled_frames(tmp_path):
    # phase 0 at x < 0, phase 1 at x > 0, unlabelled training frames far
    # out at x = 20; the test video's unlabelled frames look like phase 0
    train_x = np.array([-3, -2, -1, 1, 2, 3, 20, 21], float)[:, None]
    train = [(train_x, np.array([0, 0, 0, 1, 1, 1, -1, -1]), 0)]
    test_x = np.array([-5, -2, -1, 1, 2, -5], float)[:, None]
    test = [(test_x, np.array([-1, 0, 0, 1, 1, -1]), 0)]
    train_dump = dump(tmp_path / 'train.pkl', train)
    result = evaluate(PhaseClassificationMetric(train_dump=train_dump), test)
    assert result['accuracy'] == pytest.approx(1.0)  # 4 labelled of 4
    result = evaluate(
        PhaseClassificationMetric(
            train_dump=train_dump, drop_unlabelled_frames=False), test)
    assert result['accuracy'] == pytest.approx(4 / 6)  # -1 taken for 0


def test_phase_progress_ends_at_the_last_frame_of_a_phase():
    # the authors' target: distance from the last frame labelled k, also
    # when phases come back (0 1 0 1 1: phase 0 ends at frame 2)
    np.testing.assert_allclose(
        phase_progress(np.array([0, 1, 0, 1, 1]), 2)[:, 0],
        (np.arange(5) - 2) / 5)


def test_phase_progression_counts_only_labelled_frames(tmp_path):
    # labels 0 0 1 1 then two unlabelled frames: the progress to the end of
    # phase 0 is (t - 1) / 4 over the 4 labelled frames; an embedding that
    # is exactly that target (and a per-video constant) gives R^2 = 1 only
    # when the unlabelled frames are left out
    def video(offset):
        target = (np.arange(4) - 1) / 4
        x = np.stack([np.append(target, [7.0, -3.0]), np.full(6, offset)], 1)
        return x, np.array([0, 0, 1, 1, -1, -1]), 0

    train_dump = dump(tmp_path / 'train.pkl', [video(1.0), video(2.0)])
    result = evaluate(
        PhaseProgressionMetric(train_dump=train_dump), [video(3.0)])
    assert result['r2'] == pytest.approx(1.0)
    # every frame: the target is (t - 1) / 6, which the junk frames break
    result = evaluate(
        PhaseProgressionMetric(
            train_dump=train_dump, drop_unlabelled_frames=False), [video(3.0)])
    assert result['r2'] < 0.9
    # a video with no labelled frame is left out (not an error)
    unlabelled = (np.zeros((3, 2)), np.full(3, -1), 0)
    result = evaluate(
        PhaseProgressionMetric(train_dump=train_dump),
        [video(3.0), unlabelled])
    assert result['r2'] == pytest.approx(1.0)


def test_phase_classification_rejects_a_bad_max_iter(tmp_path):
    with pytest.raises(ValueError, match='max_iter'):
        PhaseClassificationMetric(train_dump='x.pkl', max_iter=0)


@pytest.mark.parametrize('build, message', [
    (lambda: KendallsTauMetric(stride=0),
     'KendallsTauMetric: stride must be an integer >= 1, got 0'),
    (lambda: FrameRetrievalMetric(stride=0),
     'FrameRetrievalMetric: stride must be an integer >= 1, got 0'),
    (lambda: FrameRetrievalMetric(topk=(5, 0)),
     r'FrameRetrievalMetric: topk\[1\] must be an integer >= 1, got 0'),
    (lambda: FrameRetrievalMetric(topk=()),
     'FrameRetrievalMetric: topk must name at least one K'),
])
def test_bad_strides_and_k_are_named(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_video_is_read_by_field_name():
    metric = KendallsTauMetric()
    embeddings = np.arange(8, dtype=np.float32).reshape(4, 2)
    metric.process(None, [
        dict(
            frame_embeddings=torch.from_numpy(embeddings),
            frame_labels=np.array([-1, 0, 1, -1]),
            gt_label=torch.tensor([3]))
    ])
    [video] = metric.results
    assert isinstance(video, Video) and video.action == 3
    np.testing.assert_array_equal(video.embeddings, embeddings)
    [kept] = labelled_frames([video])
    assert isinstance(kept, Video)
    np.testing.assert_array_equal(kept.embeddings, embeddings[1:3])
    np.testing.assert_array_equal(kept.labels, [0, 1])
