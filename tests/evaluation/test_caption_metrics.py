import math
import pickle
from collections import Counter

import pytest
from mmengine.evaluator import Evaluator

from scfa_mm.evaluation import caption_metrics
from scfa_mm.evaluation.caption_metrics import VideoCaptionMetric

NO_METEOR = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr']


def samples(cases):
    """Data sample dicts of ``(video_id, pred_caption, gt_captions)``."""
    return [
        dict(video_id=video_id, pred_caption=pred, gt_captions=refs)
        for video_id, pred, refs in cases
    ]


def evaluate(cases, **kwargs):
    """The metric's figures, without the 'caption/' prefix."""
    kwargs.setdefault('meteor', False)
    metric = VideoCaptionMetric(**kwargs)
    metric.process(None, samples(cases))
    return {
        key.split('/', 1)[1]: value
        for key, value in metric.evaluate(len(cases)).items()
    }


BLEU_CASES = [
    ('v1', 'a man is driving a car',
     ['a man drives a red car', 'a man is driving a car on the road']),
    ('v2', 'a woman cooks',
     ['a woman is cooking food', 'a lady cooks pasta in a kitchen']),
    ('v3', 'the cat sits on the mat',
     ['a cat is sitting on a mat', 'the cat sits']),
]


def test_bleu_by_hand():
    # clipped matches / hypothesis n-grams, n = 1..4:
    #   v1 (all inside its second reference): 6/6, 5/5, 4/4, 3/3
    #   v2: a, woman, cooks 3/3; 'a woman' 1/2; 0/1; 0/0
    #   v3: 'the' twice but at most once in a reference, so 5/6; 'the cat',
    #       'cat sits' 2/5; 'the cat sits' 1/4; 0/3
    # summed: 14/15, 8/12, 5/9, 3/6
    # reference length closest to each hypothesis: 6 (of 6, 10), 5 (of 5,
    # 7), 7 (of 7, 3): 18 words against 15, brevity penalty exp(1 - 18/15)
    result = evaluate(BLEU_CASES)
    penalty = math.exp(1 - 18 / 15)
    precisions = [14 / 15, 8 / 12, 5 / 9, 3 / 6]
    for n in range(1, 5):
        expected = penalty * math.prod(precisions[:n])**(1 / n)
        assert result[f'BLEU-{n}'] == pytest.approx(expected, rel=1e-6)


def test_rouge_l_by_hand():
    cases = [
        ('v1', 'a man rides a horse', ['a man is riding a horse', 'a horse']),
        ('v2', 'dog', ['a cat sleeps']),
    ]
    # v1: LCS 'a man a horse' (4) with the first reference: P 4/5, R 4/6;
    # 'a horse' (2) with the second: P 2/5, R 2/2. Best P and best R are
    # taken apart (coco-caption's way): P 4/5, R 1.
    # v2: no common word, 0.
    beta2 = 1.2**2
    precision, recall = 4 / 5, 1.0
    f_v1 = (1 + beta2) * precision * recall / (recall + beta2 * precision)
    assert evaluate(cases)['ROUGE-L'] == pytest.approx(f_v1 / 2)


def ngrams(words, n):
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def cider_by_hand(cases):
    """CIDEr-D from its definition: tf-idf n-gram vectors (n = 1..4), idf
    over the videos' reference sets, hypothesis counts clipped by the
    reference's, Gaussian length penalty (sigma 6), x10, mean over the
    references, the n and the videos."""
    videos = [(pred.split(), [ref.split() for ref in refs])
              for _, pred, refs in cases]
    num_videos = len(videos)
    scores = []
    for hyp, refs in videos:
        per_ref = []
        for ref in refs:
            per_n = []
            for n in range(1, 5):
                df = Counter()
                for _, other_refs in videos:
                    df.update(set(g for r in other_refs for g in ngrams(r, n)))

                def idf(gram):
                    return (math.log(max(1, num_videos)) -
                            math.log(max(1, df[gram])))

                h, r = ngrams(hyp, n), ngrams(ref, n)
                dot = sum(min(h[g], r[g]) * idf(g) * r[g] * idf(g) for g in h)
                norm_h = math.sqrt(sum((c * idf(g))**2 for g, c in h.items()))
                norm_r = math.sqrt(sum((c * idf(g))**2 for g, c in r.items()))
                cosine = dot / (norm_h * norm_r) if norm_h and norm_r else 0
                per_n.append(cosine * math.exp(-(len(hyp) - len(ref))**2 /
                                               (2 * 6**2)))
            per_ref.append(10 * sum(per_n) / 4)
        scores.append(sum(per_ref) / len(per_ref))
    return sum(scores) / len(scores)


def test_cider_against_its_definition():
    cases = [
        ('v1', 'a man is playing a guitar',
         ['a man plays a guitar', 'a person is playing the guitar on stage']),
        ('v2', 'a man is cooking in a kitchen',
         ['a woman is cooking', 'someone cooks food in a kitchen']),
        ('v3', 'a dog is running',
         ['a dog runs on the grass', 'a man is running with a dog']),
    ]
    expected = cider_by_hand(cases)
    assert expected > 0.5  # the case measures something
    assert evaluate(cases)['CIDEr'] == pytest.approx(expected, rel=1e-9)


def test_meteor_by_hand(monkeypatch):
    started, meteor = [], caption_metrics.Meteor

    def recorded_meteor():
        started.append(meteor())
        return started[-1]

    monkeypatch.setattr(caption_metrics, 'Meteor', recorded_meteor)
    # one call only: it starts a JVM that loads the paraphrase table (~10 s)
    result = evaluate([
        ('exact', 'man rides horse', ['man rides horse']),
        ('swapped', 'ball quickly dog chases', ['dog chases ball quickly']),
        ('unrelated', 'purple engine', ['girl sings']),
        ('empty', '', ['bird flies']),
    ],
                      meteor=True)
    # METEOR 1.5, '-l en' (the jar's Eval ID: alpha 0.85, beta 0.2,
    # gamma 0.6, delta 0.75), scored on the statistics summed over the
    # videos. No word here is a function word, so delta plays no part.
    # Matched words 3 + 4 + 0 + 0 = 7 of 9 hypothesis and 11 reference
    # words. Chunks: 'exact' would give 1, but the jar leaves out the
    # chunks of a segment matched whole in one chunk (it scores 1.0 alone:
    # no fragmentation penalty, not 1 - 0.6 * (1/3) ** 0.2); 'swapped' gives
    # 2 ('ball quickly' | 'dog chases'). Penalty 0.6 * (2 / 7) ** 0.2.
    precision, recall = 7 / 9, 7 / 11
    fmean = precision * recall / (0.85 * precision + 0.15 * recall)
    expected = fmean * (1 - 0.6 * (2 / 7)**0.2)
    assert result['METEOR'] == pytest.approx(expected, rel=1e-9)
    # the scorer's java process is ended, not left to garbage collection
    [scorer] = started
    assert scorer.meteor_p.returncode is not None


def test_punctuation_and_case_do_not_change_the_scores():
    plain = evaluate(BLEU_CASES)
    noisy = evaluate([
        ('v1', 'A man is driving a CAR.',
         ['A man drives a red car!', 'a man, is driving a car on the road']),
        ('v2', 'a woman ||| cooks\n',
         ['A woman is cooking food...', 'a lady cooks pasta in a kitchen']),
        ('v3', '"The cat" sits on the mat',
         ['a cat is sitting on a mat', 'the cat sits\n']),
    ])
    assert noisy == plain


def test_an_empty_prediction_scores_zero():
    cases = [('v1', 'a red ball rolls', ['a red ball rolls']),
             ('v2', '...', ['a blue square shrinks'])]
    result = evaluate(cases)
    assert result['ROUGE-L'] == pytest.approx((1 + 0) / 2)
    # corpus BLEU-1: 4 of 4 words matched; 4 hypothesis words against 8
    # reference words
    assert result['BLEU-1'] == pytest.approx(math.exp(1 - 8 / 4), rel=1e-6)
    assert result['CIDEr'] == pytest.approx(
        cider_by_hand([cases[0], ('v2', '', cases[1][2])]))


def test_results_are_plain_python():
    metric = VideoCaptionMetric(meteor=False)
    metric.process(None, samples(BLEU_CASES))
    assert pickle.loads(pickle.dumps(metric.results)) == [
        (video_id, pred, refs) for video_id, pred, refs in BLEU_CASES
    ]


@pytest.mark.parametrize('cases, error, message', [
    ([('v1', 'a cat', ['a cat']),
      ('v1', 'a dog', ['a dog'])], ValueError, "video 'v1' comes more than"),
    ([], ValueError, 'no caption to score'),
    ([('v7', 'a cat', [])], ValueError, "video 'v7' has no reference"),
    ([('v7', 'a cat', ['?!'])
      ], ValueError, r"reference caption '\?!' of video 'v7' has no word"),
    ([('v7', None, ['a cat'])], TypeError, "pred_caption of video 'v7'"),
])
def test_bad_results(cases, error, message):
    with pytest.raises(error, match=message):
        evaluate(cases)


def test_bad_samples():
    metric = VideoCaptionMetric(meteor=False)
    with pytest.raises(KeyError, match=r"lacks \['gt_captions'\]"):
        metric.process(None, [dict(video_id='v1', pred_caption='a cat')])
    with pytest.raises(TypeError, match="gt_captions of video 'v1'"):
        metric.process(
            None, [dict(video_id='v1', pred_caption='a', gt_captions='a')])
    with pytest.raises(ValueError, match=r'meteor must be one of'):
        VideoCaptionMetric(meteor='yes')


@pytest.fixture
def no_java(monkeypatch):
    monkeypatch.setattr(caption_metrics, '_java_runtime_found', lambda: False)

    def no_meteor():
        raise AssertionError('METEOR started without Java')

    monkeypatch.setattr(caption_metrics, 'Meteor', no_meteor)
    logged = []
    monkeypatch.setattr(caption_metrics, 'print_log',
                        lambda message, **kwargs: logged.append(message))
    return logged


def test_without_java_meteor_is_left_out_with_one_warning(no_java):
    metric = VideoCaptionMetric()
    for _ in range(2):
        metric.process(None, samples(BLEU_CASES))
        assert sorted(metric.evaluate(3)) == sorted(f'caption/{key}'
                                                    for key in NO_METEOR)
    [message] = no_java
    assert 'METEOR skipped' in message and 'Java runtime' in message


def test_without_java_a_required_meteor_is_refused(no_java):
    with pytest.raises(RuntimeError, match="METEOR needs a Java runtime"):
        VideoCaptionMetric(meteor=True)
    assert not no_java


def test_java_check_without_java_on_path(monkeypatch):
    monkeypatch.setattr(caption_metrics.shutil, 'which', lambda name: None)
    assert caption_metrics._java_runtime_found.__wrapped__() is False


def test_through_the_evaluator():
    evaluator = Evaluator(dict(type='VideoCaptionMetric', meteor=False))
    evaluator.process(
        samples([('v1', 'a red ball rolls left', ['a red ball rolls left']),
                 ('v2', 'a blue square grows', ['a blue square grows'])]))
    result = evaluator.evaluate(2)
    assert sorted(result) == sorted(f'caption/{key}' for key in NO_METEOR)
    # every caption matches its reference
    assert result['caption/BLEU-4'] == pytest.approx(1, rel=1e-6)
    assert result['caption/ROUGE-L'] == pytest.approx(1)
