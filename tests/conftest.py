import importlib.util
import os
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


def load_tool(path):
    """The module of a script of the repository, ``path`` relative to its
    root (a command line of tools/, say)."""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(REPO_ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def _gloo_process(rank, world_size, init_file, worker, args, queue, collected):
    import torch.distributed as torch_dist
    torch_dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=world_size)
    try:
        queue.put((rank, worker(rank, world_size, *args)))
        # tensors travel as handles to this process's shared memory: stay
        # alive until the parent holds them
        collected.wait(timeout=120)
    finally:
        torch_dist.destroy_process_group()


def run_gloo_processes(tmp_path, worker, args=(), world_size=2):
    """Run ``worker(rank, world_size, *args)`` in ``world_size`` spawned
    processes joined in one gloo group; returns ``{rank: its result}``.
    ``worker`` must be a module-level function (spawn pickles it)."""
    import random

    import torch.multiprocessing as mp
    context = mp.get_context('spawn')
    queue, collected = context.Queue(), context.Event()
    init_file = tmp_path / f'init_{random.random()}'
    processes = [
        context.Process(
            target=_gloo_process,
            args=(rank, world_size, str(init_file), worker, args, queue,
                  collected)) for rank in range(world_size)
    ]
    for process in processes:
        process.start()
    results = dict(queue.get(timeout=120) for _ in processes)
    collected.set()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return results
