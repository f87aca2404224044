"""Write MMAction2 lists for Penn Action from the official release.

Input (``--root``, the extracted ``Penn_Action/``): ``frames/<id>/
000001.jpg ...`` and ``labels/<id>.mat`` with the fields ``action`` (class
name), ``train`` (1 train, -1 test) and ``nframes``.

Output in ``--out``: ``penn_action_{train,test}_list_rawframes.txt`` for
``RawframeDataset`` (lines ``<id> <frames> <label>``, frames read from
``--root/frames``), ``classnames.txt`` (the 15 actions, alphabetical =
label order) and, with ``--encode-mp4``, ``videos/<id>.mp4`` plus
``penn_action_{train,test}_list_videos.txt`` for ``VideoDataset``, so the
video pipeline serves both datasets. A frame folder whose number of JPEGs
disagrees with ``nframes``, a missing folder and an unreadable ``.mat`` are
errors that name the video id. Running it again rewrites the same lists
and keeps MP4s already encoded.

With ``--frame-labels DIR`` (the per-frame phase labels of TCC / LAV /
CARL, ``DIR/<split>/<action>/<id>.npy`` with ``<split>`` ``train`` and
``test`` or ``val``) it also writes
``penn_action_{train,test}_list_rawframes_phases.txt`` for CARL: the
videos of the actions that have labels (13 of the 15 in the releases; the
others are listed as left out). A labelled action's video without a label
file, or with one whose length is not ``nframes``, is an error that names
both (the authors' code resamples such labels silently).

Example:
    python tools/data/penn_action/prepare.py \
        --root data/penn_action/Penn_Action --out data/penn_action
"""
import argparse
import glob
import os
import os.path as osp
import sys
from typing import Dict, List

import cv2
import numpy as np
from mmengine.utils import track_iter_progress
from scipy.io import loadmat


def read_label(path: str) -> Dict:
    """``action``, ``train`` and ``nframes`` of one ``.mat`` file."""
    video_id = osp.splitext(osp.basename(path))[0]
    try:
        mat = loadmat(path)
        return dict(
            id=video_id,
            action=str(mat['action'].squeeze()),
            train=int(mat['train'].squeeze()),
            nframes=int(mat['nframes'].squeeze()))
    except Exception as error:
        raise ValueError(f'video {video_id}: cannot read {path} '
                         f'({type(error).__name__}: {error})') from error


def encode_mp4(frame_dir: str, out_path: str, fps: int) -> None:
    frames = sorted(glob.glob(osp.join(frame_dir, '*.jpg')))
    first = cv2.imread(frames[0])
    height, width = first.shape[:2]
    tmp_path = out_path + '.part.mp4'
    writer = cv2.VideoWriter(tmp_path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    for path in frames:
        image = cv2.imread(path)
        if image is None or image.shape[:2] != (height, width):
            writer.release()
            os.remove(tmp_path)
            raise ValueError(f'{path}: unreadable or of another size than '
                             f'the first frame')
        writer.write(image)
    writer.release()
    os.replace(tmp_path, out_path)


def phase_label_lists(videos: List[Dict], label_dir: str) -> Dict:
    """Per subset (``train``, ``test``), the videos of the actions with
    phase labels, and the errors found; prints the actions left out."""
    subsets, errors = {}, []
    for subset, flag, folders in (('train', 1, ('train', )),
                                  ('test', -1, ('test', 'val'))):
        split_dir = next(
            (osp.join(label_dir, folder)
             for folder in folders if osp.isdir(osp.join(label_dir, folder))),
            None)
        if split_dir is None:
            errors.append(f'no {" or ".join(folders)} folder of phase '
                          f'labels in {label_dir}')
            continue
        members = [v for v in videos if v['train'] == flag]
        labelled = {
            v['action']
            for v in members if osp.isdir(osp.join(split_dir, v['action']))
        }
        left_out = sorted({v['action'] for v in members} - labelled)
        if left_out:
            print(f'{subset}: no phase labels for {", ".join(left_out)} in '
                  f'{split_dir}; their videos are left out of the CARL list')
        subsets[subset] = []
        for v in members:
            if v['action'] not in labelled:
                continue
            path = osp.join(split_dir, v['action'], f'{v["id"]}.npy')
            if not osp.isfile(path):
                errors.append(f'video {v["id"]} ({v["action"]}): no phase '
                              f'labels {path}')
                continue
            num_labels = len(np.load(path).reshape(-1))
            if num_labels != v['nframes']:
                errors.append(f'video {v["id"]}: {num_labels} phase labels '
                              f'in {path}, nframes={v["nframes"]}')
                continue
            subsets[subset].append(v)
    return dict(subsets=subsets, errors=errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default='data/penn_action/Penn_Action')
    parser.add_argument('--out', default='data/penn_action')
    parser.add_argument(
        '--encode-mp4',
        action='store_true',
        help='also encode every frame folder as an MP4')
    parser.add_argument('--fps', type=int, default=30)
    parser.add_argument(
        '--frame-labels',
        help='folder of per-frame phase labels (<split>/<action>/<id>.npy): '
        'also write the CARL lists')
    args = parser.parse_args()

    label_files = sorted(glob.glob(osp.join(args.root, 'labels', '*.mat')))
    if not label_files:
        sys.exit(f'no labels/*.mat under {args.root}')
    errors: List[str] = []
    videos = []
    for path in label_files:
        try:
            info = read_label(path)
        except ValueError as error:
            errors.append(str(error))
            continue
        frame_dir = osp.join(args.root, 'frames', info['id'])
        num_jpgs = len(glob.glob(osp.join(frame_dir, '*.jpg')))
        if not osp.isdir(frame_dir):
            errors.append(f'video {info["id"]}: no frame folder {frame_dir}')
        elif num_jpgs != info['nframes']:
            errors.append(f'video {info["id"]}: {num_jpgs} frames in '
                          f'{frame_dir}, nframes={info["nframes"]} in {path}')
        elif info['train'] not in (1, -1):
            errors.append(f'video {info["id"]}: train={info["train"]} in '
                          f'{path}, expected 1 or -1')
        else:
            videos.append(info)
    if errors:
        print('\n'.join(errors), file=sys.stderr)
        sys.exit(f'{len(errors)} of {len(label_files)} videos are broken '
                 f'(named above); nothing written')
    phases = None
    if args.frame_labels:
        phases = phase_label_lists(videos, args.frame_labels)
        if phases['errors']:
            print('\n'.join(phases['errors']), file=sys.stderr)
            sys.exit(f'{len(phases["errors"])} problems with the phase '
                     f'labels (named above); nothing written')

    classes = sorted({v['action'] for v in videos})
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'classnames.txt'), 'w') as f:
        f.writelines(f'{name}\n' for name in classes)
    if args.encode_mp4:
        video_dir = osp.join(args.out, 'videos')
        os.makedirs(video_dir, exist_ok=True)
        for info in track_iter_progress(videos):
            out_path = osp.join(video_dir, f'{info["id"]}.mp4')
            if not osp.isfile(out_path):
                encode_mp4(
                    osp.join(args.root, 'frames', info['id']), out_path,
                    args.fps)
    label = {name: index for index, name in enumerate(classes)}
    for subset, flag in (('train', 1), ('test', -1)):
        members = [v for v in videos if v['train'] == flag]
        path = osp.join(args.out, f'penn_action_{subset}_list_rawframes.txt')
        with open(path, 'w') as f:
            f.writelines(f'{v["id"]} {v["nframes"]} {label[v["action"]]}\n'
                         for v in members)
        print(f'{subset}: {len(members)} videos -> {path}')
        if args.encode_mp4:
            path = osp.join(args.out, f'penn_action_{subset}_list_videos.txt')
            with open(path, 'w') as f:
                f.writelines(f'{v["id"]}.mp4 {label[v["action"]]}\n'
                             for v in members)
            print(f'{subset}: {len(members)} videos -> {path}')
        if phases is not None:
            path = osp.join(args.out,
                            f'penn_action_{subset}_list_rawframes_phases.txt')
            with open(path, 'w') as f:
                f.writelines(f'{v["id"]} {v["nframes"]} {label[v["action"]]}\n'
                             for v in phases['subsets'][subset])
            print(f'{subset}: {len(phases["subsets"][subset])} videos with '
                  f'phase labels -> {path}')
    print(f'{len(classes)} classes: {", ".join(classes)}')


if __name__ == '__main__':
    main()
