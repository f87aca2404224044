import os.path as osp

import pytest
from mmengine.registry import init_default_scope

import scfa_mm  # noqa: F401  (registers the components)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
VIDEO_DIR = osp.join(REPO_ROOT, '..', 'shared', 'data', 'videos')
# name -> frame count, from the data README
VIDEOS = {
    'arm_wrestling_340x256_280f.mp4': 280,
    'clip_340x256_300f.mp4': 300,
    'clip_320x240_164f.avi': 164,
    'short_340x256_32f.mp4': 32,
}


@pytest.fixture(autouse=True)
def mmaction_scope():
    init_default_scope('mmaction')


def video_path(name: str) -> str:
    path = osp.join(VIDEO_DIR, name)
    if not osp.exists(path):
        pytest.fail(f'test clip {path} is missing (see shared/data/README)')
    return path


def write_moving_square_videos(root, num_videos=8, num_frames=20):
    """Write tiny MP4s of a square moving right (label 0) or left (label 1)
    and a VideoDataset list; returns the list's path."""
    import cv2
    import numpy as np
    video_dir = root / 'videos'
    video_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for index in range(num_videos):
        label = index % 2
        name = f'square_{index}.mp4'
        # 64x48: decord mis-decodes some tiny sizes such as 48x32
        writer = cv2.VideoWriter(
            str(video_dir / name), cv2.VideoWriter_fourcc(*'mp4v'), 10,
            (64, 48))
        for t in range(num_frames):
            frame = np.zeros((48, 64, 3), np.uint8)
            x = 4 + 2 * t if label == 0 else 54 - 2 * t
            frame[16 + index % 3:30 + index % 3, x:x + 8] = 255
            writer.write(frame)
        writer.release()
        lines.append(f'{name} {label}\n')
    ann_file = root / 'train.txt'
    ann_file.write_text(''.join(lines))
    return ann_file
