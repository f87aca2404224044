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
per frame, the layout of the CARL / LAV label files). ``--labels-only``
writes only the phase labels of an existing set (same seed and sizes).

Examples:
    python tools/data/make_synthetic.py --out data/synthetic
    python tools/data/make_synthetic.py --out data/synthetic_varied-timing \
        --timing varied
    python tools/data/make_synthetic.py --out data/synthetic_per-class \
        --appearance per-class
"""
import argparse
import math
import os
import os.path as osp
from typing import List, Optional, Tuple

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


def make_sprite(rng: np.random.Generator, size: int) -> np.ndarray:
    """An RGBA object of ``size`` pixels with a marker that shows rotation.

    Returns:
        np.ndarray: ``(size, size, 4)`` float32, alpha in [0, 1].
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
    return np.dstack([rgb, mask])


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


def render_forward(rng: np.random.Generator,
                   motion: str,
                   num_frames: int,
                   width: int,
                   height: int,
                   timing: str = 'power',
                   shape: Optional[str] = None,
                   render: bool = True) -> Tuple[List[np.ndarray], np.ndarray]:
    """Frames of the forward class ``motion`` (the first of its pair; the
    second class is these frames reversed) and the progress ``(T, )`` of
    the motion at every frame.

    Args:
        timing (str): ``'power'`` (progress = time ** gamma) or
            ``'varied'`` (:func:`varied_progress`).
        shape (str, optional): The object of ``--appearance per-class``
            (plain background, colours drawn again every frame). None: a
            random object on a cluttered background, the default.
        render (bool): False: no frames, only the progress (which the
            frames' own random draws, made after it, do not change).
    """
    if shape is None:
        background = make_background(rng, width, height)
    short = min(width, height)
    sprite_size = int(short * rng.uniform(0.45, 0.65))
    sprite = make_sprite(rng, sprite_size) if shape is None else \
        class_sprite(shape, sprite_size)
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
    return frames, np.array(progresses)


def make_video(
    task: Tuple[int, int, int, str, str, int, int, bool, str,
                str]) -> np.ndarray:
    """Write one video (unless ``labels_only``); returns its phase labels
    ``(T, )``."""
    (seed, index, label, path, _, min_frames, max_frames, labels_only, timing,
     appearance) = task
    rng = np.random.default_rng([seed, index])
    width, height = RESOLUTIONS[rng.integers(len(RESOLUTIONS))]
    num_frames = int(
        round(
            math.exp(rng.uniform(math.log(min_frames), math.log(max_frames)))))
    shape = CLASS_SHAPES[label] if appearance == 'per-class' else None
    frames, progress = render_forward(rng, CLASS_PAIRS[label // 2][0],
                                      num_frames, width, height, timing, shape,
                                      not labels_only)
    if label % 2:  # the time reversal: its own progress runs the other way
        frames, progress = frames[::-1], 1 - progress[::-1]
    fps = int(rng.integers(15, 31))
    if labels_only:
        return phase_labels(progress)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    for frame in frames:
        writer.write(frame[..., ::-1])  # RGB -> BGR
    writer.release()
    if not osp.isfile(path) or osp.getsize(path) == 0:
        raise RuntimeError(f'OpenCV could not write {path}')
    return phase_labels(progress)


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
        '--labels-only',
        action='store_true',
        help='write only the phase labels of an existing set')
    args = parser.parse_args()
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
        tasks.append(
            (args.seed, index, int(label), path, relpath, args.min_frames,
             args.max_frames, args.labels_only, args.timing, args.appearance))
        relpaths.append(relpath)
    what = 'phase labels' if args.labels_only else 'videos'
    print(f'writing the {what} of {args.num_videos} videos of '
          f'{args.num_classes} classes to {args.out}')
    if args.workers > 1:
        phases = track_parallel_progress(make_video, tasks, args.workers)
    else:
        from mmengine.utils import track_progress
        phases = track_progress(make_video, tasks)
    lengths = [len(p) for p in phases]
    for split, indices in split_indices(labels, args.seed).items():
        for i in indices:
            label_path = osp.join(args.out, 'frame_labels', split,
                                  osp.splitext(relpaths[i])[0] + '.npy')
            os.makedirs(osp.dirname(label_path), exist_ok=True)
            np.save(label_path, phases[i])
        if args.labels_only:
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
