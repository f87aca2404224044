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
