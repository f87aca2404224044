import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmengine import Config

from scfa_mm.evaluation.caption_keyword_metric import CaptionKeywordMetric

# right / left, grow / shrink (a phrase), appear / disappear (phrases)
KEYWORDS = [['right'], ['left'], ['grows', 'gets bigger'], ['shrinks'],
            ['appears', 'fades in'], ['disappears', 'fades out']]
NAMES = ['right', 'left', 'grow', 'shrink', 'appear', 'disappear']


def evaluate(metric, captions, labels):
    metric.process(None, [
        dict(
            pred_caption=caption,
            gt_label=torch.tensor([label]),
            video_id=f'video{i}')
        for i, (caption, label) in enumerate(zip(captions, labels))
    ])
    return metric.evaluate(len(labels))


@pytest.mark.parametrize(
    'caption, label, right, missing',
    [
        ('a red circle moves to the right', 0, True, False),
        ('a red circle moves to the left', 0, False, False),  # reversed
        ('it goes left and then right', 0, False, False),  # both named
        ('a red circle moves', 0, False, True),  # no keyword
        ('a red circle', 2, False, True),
        ('the square gets bigger', 2, True, False),  # a phrase
        ('the square gets much bigger', 2, False, True),  # not in a row
        ('bigger gets the square', 2, False, True),  # not in order
        ('A Red Circle Moves to the RIGHT!', 0, True, False),  # case
        ('a square... fades-in.', 4, True, False),  # punctuation
        ('a square fades in, then fades out', 4, False, False),
        ('a square fades away', 5, False, True),
        ('a square fades out', 4, False, False),  # its twin
        ('the rightmost bar shrinks', 3, True, False),  # whole words only
        ('', 1, False, True),
    ])
def test_hand_made_captions(caption, label, right, missing):
    result = evaluate(CaptionKeywordMetric(KEYWORDS), [caption], [label])
    assert result == {
        'caption/keyword_acc': float(right),
        'caption/keyword_missing': float(missing)
    }


def test_against_a_loop_with_class_names():
    """Random captions from a small word pool; a plain string search for
    ' keyword ' in the padded caption gives what each names."""
    rng = np.random.default_rng(0)
    pool = [
        'a', 'red', 'bar', 'right', 'left', 'grows', 'gets', 'bigger',
        'shrinks', 'fades', 'in', 'out', 'appears', 'the'
    ]
    captions = [
        ' '.join(rng.choice(pool, rng.integers(2, 7))) for _ in range(300)
    ]
    labels = rng.integers(0, len(KEYWORDS), 300)
    result = evaluate(
        CaptionKeywordMetric(KEYWORDS, class_names=NAMES), captions, labels)
    right, missing = [], []
    for caption, label in zip(captions, labels):
        padded = f' {caption} '
        named = {
            c
            for c, words in enumerate(KEYWORDS)
            if any(f' {w} ' in padded for w in words)
        }
        right.append(named == {label})
        missing.append(not named)
    assert 0.05 < np.mean(right) < 0.5 and 0.05 < np.mean(missing) < 0.8
    assert result['caption/keyword_acc'] == pytest.approx(np.mean(right))
    assert result['caption/keyword_missing'] == pytest.approx(np.mean(missing))
    for c, name in enumerate(NAMES):
        assert result[f'caption/keyword_acc/{name}'] == pytest.approx(
            np.mean([r for r, y in zip(right, labels) if y == c]))


def test_per_class_keys_only_for_classes_with_samples():
    result = evaluate(
        CaptionKeywordMetric(KEYWORDS, class_names=NAMES),
        ['it moves right', 'it moves right', 'it shrinks'], [0, 1, 3])
    assert result == {
        'caption/keyword_acc': pytest.approx(2 / 3),
        'caption/keyword_missing': 0.0,
        'caption/keyword_acc/right': 1.0,
        'caption/keyword_acc/left': 0.0,
        'caption/keyword_acc/shrink': 1.0
    }


def test_a_keyword_inside_a_longer_one_of_another_class():
    metric = CaptionKeywordMetric([['clockwise'], ['counter clockwise']])
    assert metric.named_classes('it turns counter-clockwise') == {1}
    assert metric.named_classes('it turns clockwise') == {0}
    assert metric.named_classes('clockwise, then counter clockwise') == {0, 1}
    result = evaluate(metric, ['turns counter-clockwise'] * 2, [1, 0])
    assert result['caption/keyword_acc'] == 0.5


def test_a_mapping_is_ordered_by_class_names_through_a_dumped_config(tmp_path):
    # 'move_right' sorts after 'move_left': a dumped config reorders the
    # dict, the labels come from class_names
    cfg = Config(
        dict(
            metric=dict(
                type='CaptionKeywordMetric',
                keywords=dict(move_right=['right'], move_left=['left']),
                class_names=['move_right', 'move_left'])))
    cfg.dump(str(tmp_path / 'config.py'))
    dumped = Config.fromfile(str(tmp_path / 'config.py'))
    assert list(dumped.metric.keywords) == ['move_left', 'move_right']
    metric = METRICS.build(dumped.metric)
    result = evaluate(metric, ['goes left', 'goes left', 'a bar'], [1, 0, 0])
    assert result == {
        'caption/keyword_acc': pytest.approx(1 / 3),
        'caption/keyword_missing': pytest.approx(1 / 3),
        'caption/keyword_acc/move_right': 0.0,
        'caption/keyword_acc/move_left': 1.0
    }


def test_a_mapping_needs_its_class_names():
    keywords = dict(move_right=['right'], move_left=['left'])
    with pytest.raises(ValueError, match='need class_names'):
        CaptionKeywordMetric(keywords)
    with pytest.raises(
            ValueError,
            match=r"\(\['move_left', 'move_right'\]\) "
            r"are not class_names \(\['left', 'right'\]\)"):
        CaptionKeywordMetric(keywords, class_names=['right', 'left'])


def test_label_as_an_int_and_no_samples():
    metric = CaptionKeywordMetric(KEYWORDS)
    metric.process(None, [dict(pred_caption='it grows', gt_label=2)])
    assert metric.evaluate(1)['caption/keyword_acc'] == 1.0
    assert CaptionKeywordMetric(KEYWORDS).compute_metrics([]) == {}


def test_sample_without_label_names_the_video():
    metric = CaptionKeywordMetric(KEYWORDS)
    with pytest.raises(KeyError, match='video7010.*gt_label'):
        metric.process(None, [
            dict(
                pred_caption='goes right',
                gt_captions=[],
                video_id='video7010')
        ])
    with pytest.raises(KeyError, match='video3.*pred_caption'):
        metric.process(None,
                       [dict(gt_label=torch.tensor([0]), video_id='video3')])


@pytest.mark.parametrize('label', [6, -1])
def test_label_outside_the_table(label):
    with pytest.raises(ValueError, match=rf'\[{label}\].*video0.*0, 6'):
        evaluate(CaptionKeywordMetric(KEYWORDS), ['goes right'], [label])


@pytest.mark.parametrize(
    'keywords, message',
    [
        ([['right'], ['left', 'Right']], "'Right' of class 1 .* class 0"),
        ([['fades in'], ['Fades-in!']], 'class 0'),  # the same words
        ([['right'], 'left'], r'keywords\[1\]'),  # a str, not a list
        ([['right'], []], r'keywords\[1\]'),
        ([['right'], ['...']], "'...' of class 1 has no word"),
        ([], 'non-empty'),
    ])
def test_bad_keywords(keywords, message):
    with pytest.raises(ValueError, match=message):
        CaptionKeywordMetric(keywords)


def test_class_names_must_match():
    with pytest.raises(ValueError, match='2 class_names for 6 classes'):
        CaptionKeywordMetric(KEYWORDS, class_names=['a', 'b'])
