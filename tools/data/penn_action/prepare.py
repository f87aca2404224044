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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default='data/penn_action/Penn_Action')
    parser.add_argument('--out', default='data/penn_action')
    parser.add_argument(
        '--encode-mp4',
        action='store_true',
        help='also encode every frame folder as an MP4')
    parser.add_argument('--fps', type=int, default=30)
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
    for subset, flag in (('train', 1), ('test', -1)):
        members = [v for v in videos if v['train'] == flag]
        label = {name: index for index, name in enumerate(classes)}
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
    print(f'{len(classes)} classes: {", ".join(classes)}')


if __name__ == '__main__':
    main()
