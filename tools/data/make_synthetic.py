"""Generate a synthetic video dataset in which temporal order decides the
class.

Classes come in time-reversed pairs (moving right / left, growing /
shrinking, rotating clockwise / counter-clockwise, appearing /
disappearing): the second class of a pair is a first-class video played
backwards, so any single frame, or any order-free set of frames, is equally
likely under both classes. Every video has its own object (shape, colour,
size, texture), cluttered background, speed, start position, length (from
fewer than 16 frames to a few hundred) and resolution.

Every action has three phases, the first, middle and last third of its
progress (the object's position, size or opacity along its path): per-frame
phase labels for the frame-level metrics of CARL. The speed profile of every
video differs, so phase boundaries fall at different times.

Two options make variants; without them the set is the default one, byte
for byte:

- ``--timing varied``: each video's progress has its own timing. The two
  phase boundaries fall at relative times drawn anywhere in
  [0.08, 0.92] (sorted, at least 0.1 apart), and every phase may hold
  still for part of its time, so speed changes at every boundary. A
  frame's relative time then says little about its phase (the default
  timing, progress = time ** gamma, lets it say almost everything).
- ``--appearance per-class``: the object's shape is the class's own (one
  of ``CLASS_SHAPES``, solid, no texture) and the appearance that
  identifies a video in the default set is made useless: the background
  is plain, and the object's and the background's colours are drawn again
  for every frame. What stays constant within a video is the shape, the
  motion and the object's geometry (position, size, angle, path), so
  instance discrimination can find the class. The classes of a pair no
  longer share their frames.

Writes ``OUT/videos/<class>/<name>.mp4``, MMAction2 ``VideoDataset`` lists
``OUT/{train,val,test}.txt`` (``<class>/<name>.mp4 <label>``),
``OUT/classnames.txt`` (one class per line, in label order),
``OUT/reversed_pairs.txt`` (each line: a class and its time reversal) and
the phase labels ``OUT/frame_labels/<split>/<class>/<name>.npy`` (one int64
per frame, the layout of the CARL / LAV label files) and the captions
``OUT/captions/{train,val,test}.json``: per video of the split's list, in
its order, ``{"video": "<class>/<name>.mp4", "video_id": "<name>",
"label": <int>, "captions": [...]}``. The captions (``--num-captions``
different phrasings, e.g. "a red circle moves to the left") name the
object, by its shape and the palette word (``COLOUR_ANCHORS``) of its
colours (only its shape with ``--appearance per-class``, whose colours
change every frame), and its motion by a word of ``MOTION_KEYWORDS``, a
word that the time-reversed class never uses: a caption is right only if
the frame order was read. They come from a random stream of their own, so
the videos are the same with or without them. ``--labels-only`` and
``--captions-only`` write only the phase labels or only the captions of an
existing set (same seed and sizes).

Examples:
    python tools/data/make_synthetic.py --out data/synthetic
    python tools/data/make_synthetic.py --out data/synthetic_varied-timing \
        --timing varied
    python tools/data/make_synthetic.py --out data/synthetic_per-class \
        --appearance per-class
"""
import argparse
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress

# (forward class, its time reversal). The default 8 classes are the first
# four pairs; rotation needs --num-classes 10 (at the demo's 24x24 cells its
# direction is hard to see: see docs/results_synthetic.md).
CLASS_PAIRS = [
    ('move_right', 'move_left'),
    ('move_down', 'move_up'),
    ('grow', 'shrink'),
    ('appear', 'disappear'),
    ('rotate_clockwise', 'rotate_counterclockwise'),
]
RESOLUTIONS = [(128, 96), (160, 120), (112, 84), (144, 108), (128, 72),
               (160, 90)]
SHAPES = ('square', 'circle', 'triangle', 'bar')
# --appearance per-class: class i has CLASS_SHAPES[i]; none is another
# turned (the objects take random angles), so the shape names the class
CLASS_SHAPES = ('square', 'circle', 'triangle', 'bar', 'cross', 'ring', 'ell',
                'half_disc', 'tee', 'arrow')
TIMINGS = ('power', 'varied')
APPEARANCES = ('per-video', 'per-class')
TEXTURES = ('solid', 'stripes', 'checker')
SPLITS = (('train', 0.7), ('val', 0.15), ('test', 0.15))

# The words of the captions. A class's motion is named by one of its
# keywords and never by another class's; the caption metric
# (scfa_mm/evaluation/caption_keyword_metric.py, CaptionKeywordMetric)
# takes this table, in label order, as its ``keywords``.
MOTION_KEYWORDS = {
    'move_right': ['right'],
    'move_left': ['left'],
    'move_down': ['down'],
    'move_up': ['up'],
    'grow': ['grows', 'bigger', 'larger'],
    'shrink': ['shrinks', 'smaller'],
    'appear': ['appears', 'fades in'],
    'disappear': ['disappears', 'fades out'],
    'rotate_clockwise': ['clockwise'],
    'rotate_counterclockwise': ['counterclockwise', 'anticlockwise'],
}
# Every phrase holds a keyword of its class and none of another class's,
# so that each caption names the motion (tests/tools/test_synthetic.py).
MOTION_PHRASES = {
    'move_right': [
        'moves to the right', 'moves right', 'slides to the right',
        'travels to the right', 'goes right'
    ],
    'move_left': [
        'moves to the left', 'moves left', 'slides to the left',
        'travels to the left', 'goes left'
    ],
    'move_down':
    ['moves down', 'slides down', 'goes down', 'travels down', 'falls down'],
    'move_up': ['moves up', 'slides up', 'goes up', 'travels up', 'rises up'],
    'grow': [
        'grows', 'gets bigger', 'grows larger', 'becomes larger',
        'grows in size'
    ],
    'shrink': [
        'shrinks', 'gets smaller', 'becomes smaller', 'shrinks in size',
        'turns smaller'
    ],
    'appear': [
        'appears', 'fades in', 'slowly appears', 'gradually fades in',
        'appears out of nowhere'
    ],
    'disappear': [
        'disappears', 'fades out', 'slowly disappears', 'gradually fades out',
        'disappears from view'
    ],
    'rotate_clockwise': [
        'rotates clockwise', 'spins clockwise', 'turns clockwise',
        'rotates in a clockwise direction', 'spins around clockwise'
    ],
    'rotate_counterclockwise': [
        'rotates counterclockwise', 'spins counterclockwise',
        'turns counterclockwise', 'rotates anticlockwise',
        'spins around counterclockwise'
    ],
}
CAPTION_TEMPLATES = ('{a} {object} {motion}', 'the {object} {motion}',
                     'there is {a} {object} that {motion}',
                     'in this video {a} {object} {motion}',
                     'we see {a} {object} that {motion}')
SHAPE_WORDS = {
    'square': 'square',
    'circle': 'circle',
    'triangle': 'triangle',
    'bar': 'bar',
    'cross': 'cross',
    'ring': 'ring',
    'ell': 'L shape',
    'half_disc': 'half circle',
    'tee': 'T shape',
    'arrow': 'arrow',
}
TEXTURE_WORDS = {'solid': '', 'stripes': 'striped', 'checker': 'checkered'}
# (word, RGB): a colour is named by its nearest anchor in CIELAB (closer to
# perceived difference than RGB). Dark and pale second anchors keep e.g.
# navy "blue" rather than "purple" and tan "brown" rather than "gray".
COLOUR_ANCHORS = (
    ('red', (220, 30, 30)),
    ('orange', (255, 140, 0)),
    ('yellow', (245, 225, 40)),
    ('green', (40, 170, 50)),
    ('green', (20, 90, 30)),
    ('blue', (30, 70, 220)),
    ('blue', (20, 30, 120)),
    ('blue', (70, 120, 180)),
    ('purple', (130, 50, 180)),
    ('pink', (250, 150, 200)),
    ('brown', (140, 85, 35)),
    ('brown', (180, 135, 90)),
    ('black', (15, 15, 15)),
    ('white', (245, 245, 245)),
    ('gray', (128, 128, 128)),
    ('gray', (75, 75, 75)),
    ('cyan', (40, 210, 230)),
    ('cyan', (0, 128, 128)),
    ('magenta', (230, 30, 200)),
)
COLOUR_WORDS = tuple(dict.fromkeys(word for word, _ in COLOUR_ANCHORS))


def class_names(num_classes: int) -> List[str]:
    """The first ``num_classes`` classes; pairs stay together."""
    names = [name for pair in CLASS_PAIRS for name in pair]
    if not 2 <= num_classes <= len(names) or num_classes % 2:
        raise ValueError(f'--num-classes must be even and in [2, '
                         f'{len(names)}], got {num_classes}')
    return names[:num_classes]


def random_colour(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 256, 3).astype(np.float32)


def make_background(rng: np.random.Generator, width: int,
                    height: int) -> np.ndarray:
    """A cluttered static background: a gradient plus small shapes of
    muted colours (distractors, smaller and paler than the object)."""
    ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    start, end = random_colour(rng), random_colour(rng)
    image = np.repeat(start + (end - start) * ramp, height, axis=0)
    for _ in range(rng.integers(5, 12)):
        colour = (0.5 * random_colour(rng) + 0.5 * start).tolist()
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(3, max(4, min(width, height) // 7)))
        if rng.random() < 0.5:
            cv2.rectangle(image, (x, y), (x + size, y + size), colour, -1)
        else:
            cv2.circle(image, (x, y), size // 2, colour, -1)
    return cv2.GaussianBlur(image, (3, 3), 0)


def draw_shape(mask: np.ndarray, shape: str, centre: float,
               radius: float) -> None:
    """Fill ``shape`` (one of ``CLASS_SHAPES``) of ``radius`` pixels around
    ``(centre, centre)`` into ``mask`` with ones, in place."""
    c, r = centre, radius

    def box(x0, y0, x1, y1, value=1):
        cv2.rectangle(mask, (int(c + r * x0), int(c + r * y0)),
                      (int(c + r * x1), int(c + r * y1)), value, -1)

    def polygon(points):
        cv2.fillPoly(mask,
                     [np.int32([(c + r * x, c + r * y) for x, y in points])],
                     1)

    if shape == 'square':
        box(-0.8, -0.8, 0.8, 0.8)
    elif shape == 'circle':
        cv2.circle(mask, (int(c), int(c)), int(r), 1, -1)
    elif shape == 'triangle':
        points = [(c + r * math.cos(a), c + r * math.sin(a))
                  for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
        cv2.fillPoly(mask, [np.int32(points)], 1)
    elif shape == 'bar':
        box(-1, -0.35, 1, 0.35)
    elif shape == 'cross':
        box(-1, -0.3, 1, 0.3)
        box(-0.3, -1, 0.3, 1)
    elif shape == 'ring':
        cv2.circle(mask, (int(c), int(c)), int(r), 1, -1)
        cv2.circle(mask, (int(c), int(c)), int(r * 0.5), 0, -1)
    elif shape == 'ell':
        box(-0.8, -0.8, -0.2, 0.8)
        box(-0.8, 0.2, 0.8, 0.8)
    elif shape == 'half_disc':
        cv2.ellipse(mask, (int(c), int(c)), (int(r), int(r)), 0, 180, 360, 1,
                    -1)
    elif shape == 'tee':
        box(-1, -0.8, 1, -0.3)
        box(-0.25, -0.3, 0.25, 0.8)
    elif shape == 'arrow':
        polygon([(-1, -0.25), (0, -0.25), (0, -0.8), (1, 0), (0, 0.8),
                 (0, 0.25), (-1, 0.25)])
    else:
        raise ValueError(f'unknown shape {shape!r}; known: {CLASS_SHAPES}')


def make_sprite(rng: np.random.Generator,
                size: int) -> Tuple[np.ndarray, Dict]:
    """An RGBA object of ``size`` pixels with a marker that shows rotation.

    Returns:
        tuple[np.ndarray, dict]: The object ``(size, size, 4)`` float32,
        alpha in [0, 1], and what it looks like (for the captions):
        ``shape`` (of ``SHAPES``), ``texture`` (of ``TEXTURES``),
        ``colour`` and the texture's ``second`` colour (RGB, 3 floats).
    """
    mask = np.zeros((size, size), np.float32)
    shape = SHAPES[rng.integers(len(SHAPES))]
    c, r = size / 2, size * 0.45
    draw_shape(mask, shape, c, r)
    colour, second = random_colour(rng), random_colour(rng)
    texture = TEXTURES[rng.integers(len(TEXTURES))]
    rgb = np.empty((size, size, 3), np.float32)
    rgb[:] = colour
    period = max(2, size // int(rng.integers(3, 6)))
    yy, xx = np.mgrid[:size, :size]
    if texture == 'stripes':
        rgb[(xx // period) % 2 == 1] = second
    elif texture == 'checker':
        rgb[(xx // period + yy // period) % 2 == 1] = second
    # a large off-centre marker in the complementary colour, so that the
    # direction of rotation stays visible after downscaling, for any shape
    cv2.circle(rgb, (int(c + r * 0.5), int(c)), max(1, size // 6),
               (255 - colour).tolist(), -1)
    cv2.circle(mask, (int(c + r * 0.5), int(c)), max(1, size // 6), 1, -1)
    look = dict(
        shape=shape,
        texture=texture,
        colour=colour.tolist(),
        second=second.tolist())
    return np.dstack([rgb, mask]), look


def class_sprite(shape: str, size: int) -> np.ndarray:
    """The white, solid RGBA object of ``--appearance per-class``; its
    colour is set frame by frame (``recolour``)."""
    mask = np.zeros((size, size), np.float32)
    draw_shape(mask, shape, size / 2, size * 0.45)
    return np.dstack([np.full((size, size, 3), 255, np.float32), mask])


def contrasting_colours(
        rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """A background and an object colour at least 120 apart (RGB
    distance), so that the object stays visible in every frame."""
    background = random_colour(rng)
    while True:
        colour = random_colour(rng)
        if np.linalg.norm(colour - background) >= 120:
            return background, colour


def paste(frame: np.ndarray, sprite: np.ndarray, centre: Tuple[float, float],
          scale: float, angle: float, opacity: float) -> None:
    """Alpha-blend ``sprite``, rotated by ``angle`` degrees (positive:
    counter-clockwise on screen) and scaled, at ``centre``, in place."""
    height, width = frame.shape[:2]
    half = sprite.shape[0] / 2
    matrix = cv2.getRotationMatrix2D((half, half), angle, scale)
    matrix[:, 2] += np.array(centre) - half
    warped = cv2.warpAffine(
        sprite,
        matrix, (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0)
    alpha = warped[..., 3:] * opacity
    frame *= 1 - alpha
    frame += warped[..., :3] * alpha


NUM_PHASES = 3


def phase_labels(progress: np.ndarray) -> np.ndarray:
    """Phase of every frame from its progress in ``[0, 1]``: the first,
    middle and last third of the motion."""
    return np.minimum((progress * NUM_PHASES).astype(np.int64), NUM_PHASES - 1)


def varied_progress(rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
    """Progress at relative ``times`` ``(T, )`` in [0, 1] for
    ``--timing varied``: piecewise linear through the phase boundaries,
    which fall at relative times drawn in [0.08, 0.92] (sorted, at least
    0.1 apart); each phase holds still, with probability 0.5, for 20-60%
    of its time, starting anywhere inside it."""
    while True:
        boundaries = np.sort(rng.uniform(0.08, 0.92, NUM_PHASES - 1))
        if np.diff(boundaries).min(initial=1) >= 0.1:
            break
    edges = np.concatenate([[0], boundaries, [1]])
    knot_times, knot_progress = [0.0], [0.0]
    for phase in range(NUM_PHASES):
        begin, end = edges[phase], edges[phase + 1]
        start, stop = phase / NUM_PHASES, (phase + 1) / NUM_PHASES
        if rng.random() < 0.5:
            hold = rng.uniform(0.2, 0.6) * (end - begin)
            moving = end - begin - hold
            offset = rng.uniform(0, moving)
            held_at = start + (stop - start) * offset / moving
            knot_times += [begin + offset, begin + offset + hold]
            knot_progress += [held_at, held_at]
        knot_times.append(end)
        knot_progress.append(stop)
    return np.interp(times, knot_times, knot_progress)


def render_forward(
        rng: np.random.Generator,
        motion: str,
        num_frames: int,
        width: int,
        height: int,
        timing: str = 'power',
        shape: Optional[str] = None,
        render: bool = True) -> Tuple[List[np.ndarray], np.ndarray, Dict]:
    """Frames of the forward class ``motion`` (the first of its pair; the
    second class is these frames reversed), the progress ``(T, )`` of the
    motion at every frame and the object's look (:func:`make_sprite`'s;
    only its ``shape`` when ``shape`` is given).

    Args:
        timing (str): ``'power'`` (progress = time ** gamma) or
            ``'varied'`` (:func:`varied_progress`).
        shape (str, optional): The object of ``--appearance per-class``
            (plain background, colours drawn again every frame). None: a
            random object on a cluttered background, the default.
        render (bool): False: no frames, only the progress and the look
            (which the frames' own random draws, made after them, do not
            change).
    """
    if shape is None:
        background = make_background(rng, width, height)
    short = min(width, height)
    sprite_size = int(short * rng.uniform(0.45, 0.65))
    if shape is None:
        sprite, look = make_sprite(rng, sprite_size)
    else:
        sprite, look = class_sprite(shape, sprite_size), dict(shape=shape)
    scale = 1.0
    x, y = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    angle = rng.uniform(0, 360)
    # random speed profile: progress = time ** gamma
    gamma = rng.uniform(0.6, 1.6)
    path = dict()
    if motion == 'move_right':
        path['x'] = sorted(rng.uniform(0.12, 0.88, 2) * width)
        if path['x'][1] - path['x'][0] < 0.5 * width:
            path['x'] = [0.15 * width, 0.85 * width]
    elif motion == 'grow':
        path['scale'] = (rng.uniform(0.2, 0.4), rng.uniform(1.0, 1.4))
    elif motion == 'rotate_clockwise':  # on screen: the angle decreases
        path['angle'] = (angle, angle - rng.uniform(360, 540))
    elif motion == 'move_down':
        path['y'] = sorted(rng.uniform(0.15, 0.85, 2) * height)
        if path['y'][1] - path['y'][0] < 0.5 * height:
            path['y'] = [0.18 * height, 0.82 * height]
    if timing == 'varied':
        progresses = varied_progress(
            rng,
            np.arange(num_frames) / max(1, num_frames - 1)).tolist()
    else:
        progresses = [(index / max(1, num_frames - 1))**gamma
                      for index in range(num_frames)]
    frames = []
    for progress in progresses if render else ():
        lerp = {k: v[0] + (v[1] - v[0]) * progress for k, v in path.items()}
        opacity = progress if motion == 'appear' else 1.0
        if shape is None:
            frame = background.copy()
        else:
            plain, colour = contrasting_colours(rng)
            frame = np.empty((height, width, 3), np.float32)
            frame[:] = plain
            sprite[..., :3] = colour
        paste(frame, sprite, (lerp.get('x', x), lerp.get('y', y)),
              lerp.get('scale', scale), lerp.get('angle', angle), opacity)
        frame += rng.normal(0, 3, frame.shape).astype(np.float32)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames, np.array(progresses), look


def make_video(
    task: Tuple[int, int, int, str, str, int, int, bool, str, str]
) -> Tuple[np.ndarray, Dict]:
    """Write one video (unless ``no_video``); returns its phase labels
    ``(T, )`` and its object's look (:func:`render_forward`)."""
    (seed, index, label, path, _, min_frames, max_frames, no_video, timing,
     appearance) = task
    rng = np.random.default_rng([seed, index])
    width, height = RESOLUTIONS[rng.integers(len(RESOLUTIONS))]
    num_frames = int(
        round(
            math.exp(rng.uniform(math.log(min_frames), math.log(max_frames)))))
    shape = CLASS_SHAPES[label] if appearance == 'per-class' else None
    frames, progress, look = render_forward(rng, CLASS_PAIRS[label // 2][0],
                                            num_frames, width, height, timing,
                                            shape, not no_video)
    if label % 2:  # the time reversal: its own progress runs the other way
        frames, progress = frames[::-1], 1 - progress[::-1]
    fps = int(rng.integers(15, 31))
    if no_video:
        return phase_labels(progress), look
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    for frame in frames:
        writer.write(frame[..., ::-1])  # RGB -> BGR
    writer.release()
    if not osp.isfile(path) or osp.getsize(path) == 0:
        raise RuntimeError(f'OpenCV could not write {path}')
    return phase_labels(progress), look


def colour_words(colours: np.ndarray) -> List[str]:
    """The caption word of each RGB colour: its nearest ``COLOUR_ANCHORS``
    entry in CIELAB.

    Args:
        colours (np.ndarray): ``(N, 3)`` RGB in [0, 255].

    Returns:
        list[str]: ``N`` words of ``COLOUR_WORDS``.
    """
    colours = np.asarray(colours, np.float32).reshape(1, -1, 3) / 255
    anchors = np.float32([[rgb for _, rgb in COLOUR_ANCHORS]]) / 255
    lab = cv2.cvtColor(colours, cv2.COLOR_RGB2Lab)[0]
    anchors = cv2.cvtColor(anchors, cv2.COLOR_RGB2Lab)[0]
    nearest = np.linalg.norm(lab[:, None] - anchors[None], axis=-1).argmin(1)
    return [COLOUR_ANCHORS[i][0] for i in nearest]


def object_phrase(look: Dict) -> str:
    """The object of a caption: colour word(s), texture, shape.

    A textured object names both colours, in ``COLOUR_WORDS`` order: its
    stripes or checks show as much of one as of the other, so neither is
    the main one ("red and blue striped square").
    Without ``colour`` (``--appearance per-class``) only the shape.
    """
    words = [SHAPE_WORDS[look['shape']]]
    if 'colour' in look:
        texture = TEXTURE_WORDS[look['texture']]
        if texture:
            words.insert(0, texture)
            named = set(colour_words([look['colour'], look['second']]))
        else:
            named = set(colour_words([look['colour']]))
        words.insert(0, ' and '.join(w for w in COLOUR_WORDS if w in named))
    return ' '.join(words)


def indefinite_article(phrase: str) -> str:
    """'a' or 'an' before ``phrase`` (by its sound: "an L shape")."""
    first = phrase.split()[0].lower()
    vowel_sound = first[0] in 'aeiou' or (len(first) == 1
                                          and first in 'fhlmnrsx')
    return 'an' if vowel_sound else 'a'


def num_phrasings(names: Sequence[str]) -> int:
    """How many different captions the classes ``names`` all have."""
    return len(CAPTION_TEMPLATES) * min(
        len(MOTION_PHRASES[name]) for name in names)


def video_captions(seed: int, index: int, name: str, look: Dict,
                   count: int) -> List[str]:
    """``count`` different captions of a video of class ``name``, drawn
    from their own stream (``[seed, index, 2]``; the video's is
    ``[seed, index]``)."""
    rng = np.random.default_rng([seed, index, 2])
    motions = MOTION_PHRASES[name]
    thing = object_phrase(look)
    picks = rng.choice(
        len(CAPTION_TEMPLATES) * len(motions), count, replace=False)
    return [
        CAPTION_TEMPLATES[pick // len(motions)].format(
            a=indefinite_article(thing),
            object=thing,
            motion=motions[pick % len(motions)]) for pick in picks
    ]


def boundary_times(phases: List[np.ndarray],
                   min_frames: int = 30) -> np.ndarray:
    """Relative time (frame index / (T - 1)) of the first frame of every
    phase but the first, for the videos of at least ``min_frames`` frames
    that have all phases.

    Returns:
        np.ndarray: ``(N, NUM_PHASES - 1)``.
    """
    times = []
    for labels in phases:
        if len(labels) < min_frames or \
                len(np.unique(labels)) < NUM_PHASES:
            continue
        firsts = [np.argmax(labels >= p) for p in range(1, NUM_PHASES)]
        times.append(np.array(firsts) / (len(labels) - 1))
    return np.array(times).reshape(-1, NUM_PHASES - 1)


def split_indices(labels: np.ndarray, seed: int) -> dict:
    """Per class, shuffled, 70/15/15 into train/val/test (every class in
    every split)."""
    rng = np.random.default_rng([seed, 1 << 20])
    splits = {name: [] for name, _ in SPLITS}
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        num_val = max(1, int(round(len(members) * SPLITS[1][1])))
        num_test = max(1, int(round(len(members) * SPLITS[2][1])))
        splits['val'] += members[:num_val].tolist()
        splits['test'] += members[num_val:num_val + num_test].tolist()
        splits['train'] += members[num_val + num_test:].tolist()
    return {name: sorted(indices) for name, indices in splits.items()}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/synthetic')
    parser.add_argument('--num-videos', type=int, default=800)
    parser.add_argument(
        '--num-classes',
        type=int,
        default=8,
        help='even: classes come in time-reversed pairs')
    parser.add_argument('--min-frames', type=int, default=10)
    parser.add_argument('--max-frames', type=int, default=240)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        '--timing',
        choices=TIMINGS,
        default='power',
        help='varied: phase boundaries anywhere in time, holds, speed '
        'changes (see the module docstring)')
    parser.add_argument(
        '--appearance',
        choices=APPEARANCES,
        default='per-video',
        help='per-class: the class decides the shape; colours change every '
        'frame (see the module docstring)')
    parser.add_argument(
        '--num-captions',
        type=int,
        default=5,
        help='different captions per video')
    only = parser.add_mutually_exclusive_group()
    only.add_argument(
        '--labels-only',
        action='store_true',
        help='write only the phase labels of an existing set')
    only.add_argument(
        '--captions-only',
        action='store_true',
        help='write only the captions of an existing set')
    args = parser.parse_args()
    most = num_phrasings(class_names(args.num_classes))
    if not 1 <= args.num_captions <= most:
        parser.error(f'--num-captions must be in [1, {most}], got '
                     f'{args.num_captions}')
    if args.num_videos < 3 * args.num_classes:
        parser.error(f'--num-videos must be at least 3 per class '
                     f'({3 * args.num_classes}), got {args.num_videos}')
    if not 2 <= args.min_frames <= args.max_frames:
        parser.error(f'need 2 <= --min-frames <= --max-frames, got '
                     f'{args.min_frames} and {args.max_frames}')
    return args


def main() -> None:
    args = parse_args()
    names = class_names(args.num_classes)
    labels = np.arange(args.num_videos) % args.num_classes
    tasks, relpaths = [], []
    for index, label in enumerate(labels):
        relpath = f'{names[label]}/{names[label]}_{index:05d}.mp4'
        path = osp.join(args.out, 'videos', relpath)
        os.makedirs(osp.dirname(path), exist_ok=True)
        tasks.append((args.seed, index, int(label), path, relpath,
                      args.min_frames, args.max_frames, args.labels_only
                      or args.captions_only, args.timing, args.appearance))
        relpaths.append(relpath)
    what = 'phase labels' if args.labels_only else \
        'captions' if args.captions_only else 'videos'
    print(f'writing the {what} of {args.num_videos} videos of '
          f'{args.num_classes} classes to {args.out}')
    if args.workers > 1:
        results = track_parallel_progress(make_video, tasks, args.workers)
    else:
        from mmengine.utils import track_progress
        results = track_progress(make_video, tasks)
    phases = [labels_of_video for labels_of_video, _ in results]
    lengths = [len(p) for p in phases]
    for split, indices in split_indices(labels, args.seed).items():
        if not args.captions_only:
            for i in indices:
                label_path = osp.join(args.out, 'frame_labels', split,
                                      osp.splitext(relpaths[i])[0] + '.npy')
                os.makedirs(osp.dirname(label_path), exist_ok=True)
                np.save(label_path, phases[i])
        if args.labels_only:
            continue
        records = [
            dict(
                video=relpaths[i],
                video_id=osp.splitext(osp.basename(relpaths[i]))[0],
                label=int(labels[i]),
                captions=video_captions(args.seed, i, names[labels[i]],
                                        results[i][1], args.num_captions))
            for i in indices
        ]
        os.makedirs(osp.join(args.out, 'captions'), exist_ok=True)
        with open(osp.join(args.out, 'captions', f'{split}.json'), 'w') as f:
            json.dump(records, f, indent=1)
        if args.captions_only:
            continue
        with open(osp.join(args.out, f'{split}.txt'), 'w') as f:
            f.writelines(f'{relpaths[i]} {labels[i]}\n' for i in indices)
        print(f'{split}: {len(indices)} videos')
    with open(osp.join(args.out, 'classnames.txt'), 'w') as f:
        f.writelines(f'{name}\n' for name in names)
    with open(osp.join(args.out, 'reversed_pairs.txt'), 'w') as f:
        f.writelines(f'{names[i]} {names[i + 1]}\n'
                     for i in range(0, len(names), 2))
    print(f'frames per video: {min(lengths)} to {max(lengths)} '
          f'(median {int(np.median(lengths))})')
    spread = boundary_times(phases)
    for boundary, times in enumerate(spread.T, 1):
        print(f'phase boundary {boundary} at relative time '
              f'{times.mean():.2f} ± {times.std():.2f} (5-95%: '
              f'{np.percentile(times, 5):.2f}-{np.percentile(times, 95):.2f})'
              f' over the {len(times)} videos of 30 frames or more')


if __name__ == '__main__':
    main()
