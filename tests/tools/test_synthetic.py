"""The synthetic temporal-action generator, its variants and the demo
config."""
import hashlib
import importlib.util
import os
import subprocess
import sys

import collections
import json

import cv2
import numpy as np
import pytest

from scfa_mm.datasets.caption_text import tokenize_caption
from ..conftest import REPO_ROOT
from ..test_training import run_tool

SCRIPT = os.path.join(REPO_ROOT, 'tools', 'data', 'make_synthetic.py')


def generate(out, *extra):
    subprocess.run([
        sys.executable, SCRIPT, '--out',
        str(out), '--num-videos', '24', '--max-frames', '60', '--workers', '1',
        *extra
    ],
                   check=True,
                   capture_output=True,
                   text=True)
    return out


def load_generator():
    spec = importlib.util.spec_from_file_location('make_synthetic', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_list(path):
    return [line.split() for line in open(path).read().splitlines()]


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    return generate(tmp_path_factory.mktemp('synthetic'))


def test_lists_cover_every_class_and_are_disjoint(dataset):
    names = open(dataset / 'classnames.txt').read().split()
    assert len(names) == 8
    splits = {
        s: read_list(dataset / f'{s}.txt')
        for s in ('train', 'val', 'test')
    }
    seen = [path for rows in splits.values() for path, _ in rows]
    assert len(seen) == len(set(seen)) == 24  # disjoint, nothing dropped
    for rows in splits.values():
        assert {int(label) for _, label in rows} == set(range(8))
        for path, label in rows:
            assert path.split('/')[0] == names[int(label)]
    pairs = [
        line.split()
        for line in open(dataset / 'reversed_pairs.txt').read().splitlines()
    ]
    assert ['move_right', 'move_left'] in pairs and len(pairs) == 4


def test_every_video_decodes(dataset):
    decord = pytest.importorskip('decord')  # x86-64 Linux wheels only
    for split in ('train', 'val', 'test'):
        for path, _ in read_list(dataset / f'{split}.txt'):
            reader = decord.VideoReader(str(dataset / 'videos' / path))
            assert 10 <= len(reader) <= 60
            frame = reader[len(reader) - 1].asnumpy()
            assert frame.ndim == 3 and frame.std() > 0


def object_track(path):
    """Per frame: centroid x, area and centroid y of the pixels that
    differ from the background, estimated as the median frame over time,
    and the frame's edge energy (mean gradient magnitude: the object's
    edges add to it as it becomes visible)."""
    decord = pytest.importorskip('decord')  # x86-64 Linux wheels only
    frames = decord.VideoReader(str(path)).get_batch(
        list(range(len(decord.VideoReader(str(path)))))).asnumpy()
    frames = frames.astype(np.float32)
    background = np.median(frames, axis=0)
    masks = np.abs(frames - background).max(-1) > 40
    area = masks.sum((1, 2))
    xs = np.arange(frames.shape[2])[None, None, :]
    ys = np.arange(frames.shape[1])[None, :, None]
    centroid_x = (masks * xs).sum((1, 2)) / np.maximum(area, 1)
    centroid_y = (masks * ys).sum((1, 2)) / np.maximum(area, 1)
    gray = frames.mean(-1)
    edges = np.abs(np.diff(gray, axis=1)).mean((1, 2)) + \
        np.abs(np.diff(gray, axis=2)).mean((1, 2))
    return centroid_x, area, centroid_y, edges


def trend(values):
    return np.polyfit(np.arange(len(values)), values, 1)[0]


@pytest.mark.parametrize('forward, backward, measure', [
    ('move_right', 'move_left', 0),
    ('grow', 'shrink', 1),
    ('move_down', 'move_up', 2),
    ('appear', 'disappear', 3),
])
def test_labels_match_the_motion(dataset, forward, backward, measure):
    for name, sign in ((forward, 1), (backward, -1)):
        videos = sorted((dataset / 'videos' / name).glob('*.mp4'))
        assert videos
        for video in videos:
            slope = trend(object_track(video)[measure])
            assert np.sign(slope) == sign, (video, slope)


def test_same_seed_same_lists(dataset, tmp_path):
    again = generate(tmp_path / 'again')
    other = generate(tmp_path / 'other', '--seed', '1')
    for name in ('train.txt', 'val.txt', 'test.txt', 'classnames.txt'):
        assert (again / name).read_bytes() == (dataset / name).read_bytes()
    assert (other / 'train.txt').read_bytes() != \
        (dataset / 'train.txt').read_bytes()


def test_demo_config_smoke_run(dataset, tmp_path):
    options = []
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.dataset.ann_file='
            f'{dataset}/{split}.txt',
            f'{split}_dataloader.dataset.data_prefix.video='
            f'{dataset}/videos', f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    output = run_tool([
        sys.executable, 'tools/train.py', 'configs/scfa/scfa_r18_synthetic.py',
        '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *options,
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1'
    ], REPO_ROOT)
    assert 'Epoch(train) [1][1/1]' in output
    assert 'acc/top1' in output
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()


def test_default_set_unchanged_by_the_variant_options():
    """The phase labels of the first 40 default videos (seed 0), hashed
    with the generator as it was before ``--timing`` and ``--appearance``
    existed: a draw added to or moved in the default path changes them.
    (They depend on the random stream only, not on OpenCV's drawing; the
    whole default set, videos included, was compared byte for byte when
    the options were added.)"""
    generator = load_generator()
    digest = hashlib.sha256()
    for index in range(40):
        task = (0, index, index % 8, '', '', 10, 240, True, 'power',
                'per-video')
        digest.update(generator.make_video(task)[0].tobytes())
    assert digest.hexdigest() == \
        '6f8e58af3278aba3fc44781ba4f46e910949a9988b27e31dab0534471ebe9953'


def first_frames_of_phases(labels):
    """Relative time of the first frame of phases 1 and 2."""
    return [np.argmax(labels >= p) / (len(labels) - 1) for p in (1, 2)]


def best_time_threshold_accuracy(videos):
    """Phase accuracy of the best rule ``phase = (t >= a) + (t >= b)`` on
    relative time ``t``, found by grid search over all frames."""
    times = np.concatenate([np.linspace(0, 1, len(v)) for v in videos])
    labels = np.concatenate(videos)
    grid = np.linspace(0, 1, 51)
    return max(((times >= a).astype(int) + (times >= b) == labels).mean()
               for a in grid for b in grid[grid >= a])


def test_varied_timing_spreads_the_phase_boundaries():
    generator = load_generator()
    phases = {}
    for timing in ('power', 'varied'):
        phases[timing] = [
            generator.make_video((3, index, index % 8, '', '', 60, 61, True,
                                  timing, 'per-video'))[0]
            for index in range(80)
        ]
    spread = {
        timing: np.array([first_frames_of_phases(v) for v in videos])
        for timing, videos in phases.items()
    }
    # as the docstring says: boundaries anywhere in [0.08, 0.92], at least
    # 0.1 apart (one frame of 60 is 0.017)
    varied = spread['varied']
    assert varied.min() >= 0.08 - 0.02 and varied.max() <= 0.92 + 0.02
    assert (varied[:, 1] - varied[:, 0]).min() >= 0.1 - 0.035
    assert varied.std(0).min() > 0.13  # sorted uniforms: about 0.17
    assert spread['power'].std(0).max() < 0.11  # the default: about 0.09
    # relative time tells the phase much less often
    assert best_time_threshold_accuracy(phases['power']) > 0.82
    assert best_time_threshold_accuracy(phases['varied']) < 0.78


def centroid_track(frames, background):
    """Per frame: the x centroid and area of the pixels more than 40 away
    from ``background`` (one colour per frame, ``(T, 3)``)."""
    frames = np.asarray(frames, np.float32)
    masks = np.abs(frames - background[:, None, None]).max(-1) > 40
    xs = np.arange(frames.shape[2])[None, None, :]
    area = masks.sum((1, 2))
    return (masks * xs).sum((1, 2)) / np.maximum(area, 1), area, masks


def test_varied_timing_labels_follow_the_object_with_holds():
    """move_right with varied timing: the object's x centroid, measured on
    the frames, never moves back, stands still during holds, and the
    phase labels are the thirds of its measured path."""
    generator = load_generator()
    held = 0
    for index in range(12):
        rng = np.random.default_rng([5, index])
        frames, progress, _ = generator.render_forward(
            rng, 'move_right', 90, 160, 120, timing='varied', shape='square')
        background = np.median(
            np.asarray(frames, np.float32).reshape(90, -1, 3), axis=1)
        x, _, _ = centroid_track(frames, background)
        steps = np.diff(x)
        assert steps.min() > -1.0, steps.min()  # sub-pixel jitter only
        held += (np.abs(steps) < 0.05).sum()
        measured = (x - x[0]) / (x[-1] - x[0])
        labels = generator.phase_labels(progress)
        from_frames = np.minimum((measured * 3).astype(int), 2)
        assert (from_frames == labels).mean() > 0.9
    assert held > 12 * 89 * 0.1  # holds: a share of all steps stand still


def test_per_class_appearance_shape_names_the_class():
    """--appearance per-class: the object's shape, measured by Hu's
    rotation- and scale-invariant moments of its mask, identifies the
    class (nearest neighbour over videos of four classes is always right),
    and the background colour changes from frame to frame."""
    generator = load_generator()
    moments, classes = [], []
    for label in range(4):  # move right / left / down / up
        for index in range(6):
            rng = np.random.default_rng([7, label, index])
            frames, _, _ = generator.render_forward(
                rng,
                generator.CLASS_PAIRS[label // 2][0],
                8,
                160,
                120,
                shape=generator.CLASS_SHAPES[label])
            frames = np.asarray(frames, np.float32)
            background = np.median(frames.reshape(8, -1, 3), axis=1)
            assert np.linalg.norm(
                np.diff(background, axis=0), axis=1).mean() > 30
            _, _, masks = centroid_track(frames, background)
            hu = cv2.HuMoments(cv2.moments(masks[4].astype(np.uint8)))
            moments.append(-np.sign(hu) * np.log10(np.abs(hu) + 1e-30))
            classes.append(label)
    moments = np.concatenate(moments, axis=1).T[:, :4]
    classes = np.array(classes)
    distances = np.linalg.norm(moments[:, None] - moments[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    assert (classes[distances.argmin(1)] == classes).all()


@pytest.fixture(scope='module')
def per_class_dataset(tmp_path_factory):
    return generate(
        tmp_path_factory.mktemp('per_class'), '--appearance', 'per-class',
        '--timing', 'varied')


def test_per_class_videos_decode_with_their_class_motion(per_class_dataset):
    decord = pytest.importorskip('decord')  # x86-64 Linux wheels only
    dataset = per_class_dataset
    for path, label in read_list(dataset / 'train.txt'):
        if int(label) > 1:
            continue
        reader = decord.VideoReader(str(dataset / 'videos' / path))
        frames = reader.get_batch(list(range(len(reader)))).asnumpy()
        background = np.median(
            frames.reshape(len(frames), -1, 3).astype(np.float32), axis=1)
        x, _, _ = centroid_track(frames, background)
        sign = 1 if int(label) == 0 else -1  # move right / left
        assert np.sign(x[-1] - x[0]) == sign, path


SPLIT_NAMES = ('train', 'val', 'test')


def load_captions(root):
    return {
        split: json.loads((root / 'captions' / f'{split}.json').read_text())
        for split in SPLIT_NAMES
    }


def names_in(caption, phrases):
    """The phrases that occur in ``caption`` as whole words, found by a
    plain substring search on the space-padded words."""
    padded = f' {" ".join(tokenize_caption(caption))} '
    return [p for p in phrases if f' {p} ' in padded]


def test_captions_of_every_listed_video(dataset):
    for split, records in load_captions(dataset).items():
        rows = read_list(dataset / f'{split}.txt')
        assert [(r['video'], r['label']) for r in records] == \
            [(path, int(label)) for path, label in rows]
        for record in records:
            assert record['video_id'] == \
                os.path.splitext(os.path.basename(record['video']))[0]
            captions = record['captions']
            assert len(captions) == len(set(captions)) == 5
            assert all(isinstance(c, str) and c.strip() for c in captions)
    ids = [r['video_id'] for rs in load_captions(dataset).values() for r in rs]
    assert len(ids) == len(set(ids)) == 24


def test_captions_name_the_motion_not_its_reversal(dataset):
    generator = load_generator()
    names = open(dataset / 'classnames.txt').read().split()
    for records in load_captions(dataset).values():
        for record in records:
            label = record['label']
            twin = names[label ^ 1]  # pairs are (2k, 2k + 1)
            for caption in record['captions']:
                assert names_in(caption,
                                generator.MOTION_KEYWORDS[names[label]])
                assert not names_in(caption, generator.MOTION_KEYWORDS[twin])


def test_every_phrasing_names_its_class_only():
    """All phrasings of every class, with every colour, texture and shape
    word: each names one of its class's keywords and none of another
    class's."""
    generator = load_generator()
    first_anchor = dict(reversed(generator.COLOUR_ANCHORS))
    colours = [first_anchor[word] for word in generator.COLOUR_WORDS]
    looks = [dict(shape=shape) for shape in generator.CLASS_SHAPES]
    for i, colour in enumerate(colours):
        second = colours[(i + 1) % len(colours)]
        looks += [
            dict(shape=shape, texture='solid', colour=colour, second=colour)
            for shape in generator.SHAPES
        ]
        looks += [
            dict(shape='bar', texture=texture, colour=colour, second=second)
            for texture in ('stripes', 'checker')
        ]
    names = generator.class_names(10)
    count = generator.num_phrasings(names)
    assert count == 25
    words = set()
    for name in names:
        others = [
            keyword for other in names if other != name
            for keyword in generator.MOTION_KEYWORDS[other]
        ]
        for look in looks:
            captions = generator.video_captions(0, 0, name, look, count)
            assert len(set(captions)) == count
            for caption in captions:
                assert names_in(caption, generator.MOTION_KEYWORDS[name]), \
                    caption
                assert not names_in(caption, others), caption
                words.update(tokenize_caption(caption))
    shape_words = {
        w
        for shape in generator.SHAPE_WORDS.values()
        for w in tokenize_caption(shape)
    }
    assert words >= set(
        generator.COLOUR_WORDS) | shape_words | {'striped', 'checkered'}


@pytest.mark.parametrize('rgb, word', [((255, 0, 0), 'red'),
                                       ((220, 20, 60), 'red'),
                                       ((255, 165, 0), 'orange'),
                                       ((255, 255, 0), 'yellow'),
                                       ((255, 215, 0), 'yellow'),
                                       ((0, 128, 0), 'green'),
                                       ((0, 255, 0), 'green'),
                                       ((0, 0, 255), 'blue'),
                                       ((0, 0, 128), 'blue'),
                                       ((65, 105, 225), 'blue'),
                                       ((128, 0, 128), 'purple'),
                                       ((255, 192, 203), 'pink'),
                                       ((255, 105, 180), 'pink'),
                                       ((139, 69, 19), 'brown'),
                                       ((210, 180, 140), 'brown'),
                                       ((0, 0, 0), 'black'),
                                       ((255, 255, 255), 'white'),
                                       ((128, 128, 128), 'gray'),
                                       ((169, 169, 169), 'gray'),
                                       ((0, 255, 255), 'cyan'),
                                       ((255, 0, 255), 'magenta')])
def test_colour_words_of_named_colours(rgb, word):
    """Colours with common names (the CSS colour table's values)."""
    assert load_generator().colour_words(np.array([rgb])) == [word]


def test_object_phrases():
    generator = load_generator()
    red, blue, orange = (250, 5, 5), (5, 5, 250), (255, 150, 0)
    cases = [
        (dict(shape='circle', texture='solid', colour=red,
              second=blue), 'a red circle'),
        (dict(shape='bar', texture='stripes', colour=blue,
              second=red), 'a red and blue striped bar'),
        (dict(
            shape='square',
            texture='checker',
            colour=red,
            second=(200, 10, 40)), 'a red checkered square'),
        (dict(shape='square', texture='solid', colour=orange,
              second=red), 'an orange square'),
        (dict(shape='ell'), 'an L shape'),
        (dict(shape='tee'), 'a T shape'),
        (dict(shape='arrow'), 'an arrow'),
    ]
    for look, expected in cases:
        captions = generator.video_captions(0, 0, 'move_right', look, 25)
        assert f'there is {expected} that goes right' in captions


def test_caption_colour_is_the_colour_in_the_video(dataset):
    """The palette word met most often among the object's pixels (those
    away from the median frame, as in ``object_track``) is one the
    captions name, in most videos of the moving classes (opaque objects
    at full size)."""
    decord = pytest.importorskip('decord')  # x86-64 Linux wheels only
    generator = load_generator()
    hits = []
    for records in load_captions(dataset).values():
        for record in records:
            if record['label'] >= 4:  # grow, shrink, appear, disappear
                continue
            reader = decord.VideoReader(
                str(dataset / 'videos' / record['video']))
            frames = reader.get_batch(list(range(len(reader)))).asnumpy()
            frames = frames.astype(np.float32)
            moving = np.abs(frames - np.median(frames, 0)).max(-1) > 40
            seen = collections.Counter(generator.colour_words(
                frames[moving])).most_common(1)[0][0]
            named = names_in(record['captions'][0], generator.COLOUR_WORDS)
            assert 1 <= len(named) <= 2
            hits.append(seen in named)
    assert len(hits) == 12 and sum(hits) >= 10, hits


def test_captions_only_writes_the_same_captions(dataset, tmp_path):
    again = generate(tmp_path / 'captions_only', '--captions-only')
    written = sorted(
        str(p.relative_to(again)) for p in again.rglob('*') if p.is_file())
    assert written == [
        'captions/test.json', 'captions/train.json', 'captions/val.json',
        'classnames.txt', 'reversed_pairs.txt'
    ]
    for split in SPLIT_NAMES:
        name = f'captions/{split}.json'
        assert (again / name).read_bytes() == (dataset / name).read_bytes()


def test_per_class_captions_name_the_shape_only(per_class_dataset):
    generator = load_generator()
    for records in load_captions(per_class_dataset).values():
        for record in records:
            shape = generator.SHAPE_WORDS[generator.CLASS_SHAPES[
                record['label']]]
            for caption in record['captions']:
                assert names_in(caption, [shape.lower()]), caption
                assert not names_in(caption, generator.COLOUR_WORDS), caption
