"""Acceptance run of the GPU path, in one command.

On one CUDA GPU, within about 8 minutes, with no data and no downloads:

1. ``models``: every method's real config, built as the user gets it
   (random weights instead of downloads): SCFA R50 (HMDB51), CVRL R3D-50,
   CARL R50 + Transformer (Penn Action), the ViViT-B baseline and
   MMAction2's TSN R50 as the reference, each trained for a few dozen steps
   on random inputs of its config's shapes and per-GPU batch, in fp32, bf16
   (``--amp``'s ``BFloat16OptimWrapper``) and, for convolutional
   backbones, bf16 + channels-last (``channels_last_3d`` for 3D ones);
   with ``--compile``, also SCFA with its backbone under ``torch.compile``.
   Per row: step time (CUDA events, after warm-up), videos/s, images/s,
   peak memory, whether the losses stayed finite and the bf16-vs-fp32
   difference of the first step's loss. A batch that does not fit is
   halved until it does, and the row says so.
2. ``runner``: a small synthetic set, its frame cache,
   ``tools/dist_train.sh configs/scfa/scfa_r18_synthetic_cache.py 1 --amp``
   for two epochs and ``tools/test.py`` on the result: data time against
   step time from the log, GPU utilisation sampled during training, videos/s.
3. ``distributed``: torchrun with one rank per GPU (NCCL; gloo on the CPU):
   the collectives of ``all_gather_with_grad`` and ``check_same_rows`` and
   SyncBN forward/backward against full-batch BatchNorm.
4. ``carl_video``: a 600-frame 224x224 video through the Penn Action CARL
   model at test time, at three chunk sizes: time, peak memory, and the
   embeddings of every chunk size against the first.
5. ``augment``: CVRL's and CARL's per-view augmentation
   (``ClipAugmentDataPreprocessor``) on the GPU against the same draws on
   the CPU (largest difference in grey levels), and its time and peak
   memory per batch at each config's per-GPU batch.

It writes ``report.md`` and ``report.json`` to ``--out``
(``work_dirs/gpu_acceptance``). ``--smoke`` runs the same sections on the
CPU at tiny sizes (gloo, 2 ranks); the test suite runs it. Asked for CUDA
on a machine without a GPU, it says so in one line and exits with status 2.

Examples:
    python tools/analysis/gpu_acceptance.py
    python tools/analysis/gpu_acceptance.py --compile
    python tools/analysis/gpu_acceptance.py --smoke --out /tmp/acceptance
"""
import argparse
import datetime
import gc
import glob
import json
import math
import os
import os.path as osp
import platform
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

SECTIONS = ('models', 'distributed', 'carl_video', 'augment', 'runner')
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# a clone without `pip install -e .` imports scfa_mm from the repository
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


@dataclass(frozen=True)
class Sizes:
    """What the run is sized for: the real shapes on a GPU, tiny ones in
    the CPU smoke mode."""
    smoke: bool
    warmup_steps: int
    timed_steps: int
    # smoke mode: the batch, spatial size and frame count every method is
    # cut down to; None keeps the config's
    batch: Optional[int] = None
    image_size: Optional[int] = None
    max_frames: Optional[int] = None
    synthetic_videos: int = 480
    synthetic_max_frames: int = 240
    runner_epochs: int = 2
    video_frames: int = 600
    video_size: int = 224
    chunk_sizes: Tuple[int, ...] = (16, 64, 200)


FULL = Sizes(smoke=False, warmup_steps=3, timed_steps=20)
SMOKE = Sizes(
    smoke=True,
    warmup_steps=0,
    timed_steps=1,
    batch=2,
    image_size=32,
    max_frames=4,
    synthetic_videos=24,
    synthetic_max_frames=40,
    runner_epochs=1,
    video_frames=24,
    video_size=32,
    chunk_sizes=(4, 8, 24))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--out',
        default=osp.join(REPO_ROOT, 'work_dirs', 'gpu_acceptance'),
        help='folder of report.md, report.json and the runs')
    parser.add_argument(
        '--smoke',
        action='store_true',
        help='tiny sizes on the CPU (gloo, 2 ranks): checks that the '
        'command works where no GPU is at hand')
    parser.add_argument(
        '--device',
        choices=['cuda', 'cpu'],
        default=None,
        help='cuda (the default), or cpu (the default of --smoke)')
    parser.add_argument(
        '--sections',
        nargs='+',
        choices=SECTIONS,
        default=list(SECTIONS),
        help='the parts to run (all by default)')
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=[case.key for case in METHODS],
        default=[case.key for case in METHODS],
        help='the methods of the models section (all by default)')
    parser.add_argument(
        '--steps', type=int, default=None, help='timed training steps')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='add an SCFA row whose backbone runs under torch.compile')
    # internal: one rank of the distributed section, started by torchrun
    parser.add_argument(
        '--distributed-worker', action='store_true', help=argparse.SUPPRESS)
    return parser.parse_args()


def fail_without_gpu(device: str) -> None:
    """One line, not a traceback, when CUDA is asked for and absent."""
    import torch
    if device == 'cuda' and not torch.cuda.is_available():
        print(
            'gpu_acceptance: CUDA was asked for but torch '
            f'{torch.__version__} sees no GPU on this machine; '
            'run with --smoke for the CPU check.',
            file=sys.stderr)
        sys.exit(2)


# --------------------------------------------------------------------------
# 1. every method's config, a few dozen training steps per precision


@dataclass(frozen=True)
class MethodCase:
    """A config and how to make random inputs of its training shapes.

    ``input_shape`` reads one video's model input ``(V, C, [T,] H, W)``
    from the config;
    ``convolutional``: whether a channels-last row applies (2D or 3D).
    """
    key: str
    name: str
    config: str
    convolutional: bool
    input_shape: Callable
    sample_fields: Optional[Callable] = None


def _find_step(pipeline: Sequence[dict], step_type: str) -> dict:
    """The first transform of ``step_type`` in a pipeline, looking inside
    wrappers' ``transforms``."""
    for step in pipeline:
        if step.get('type') == step_type:
            return step
        found = _find_step(step.get('transforms', []), step_type) \
            if isinstance(step.get('transforms'), list) else None
        if found is not None:
            return found
    return None


def _required_step(cfg, step_type: str) -> dict:
    step = _find_step(cfg.train_dataloader.dataset.pipeline, step_type)
    if step is None:
        raise ValueError(f'the train pipeline has no {step_type}')
    return step


def _scfa_shape(cfg) -> tuple:
    views = _required_step(cfg, 'TemporalMultiView')['num_views']
    grid = _required_step(cfg, 'GridAggregate')
    height = grid['grid_shape'][0] * grid['cell_size'][0]
    width = grid['grid_shape'][1] * grid['cell_size'][1]
    return (views, 3, height, width)


def _cvrl_shape(cfg) -> tuple:
    sampler = _required_step(cfg, 'CVRLSampleFrames')
    height, width = _decoded_size(cfg) or _fixed_resize(cfg)
    clips, frames = sampler['num_views'], sampler['clip_len']
    return (clips, 3, frames, height, width)


def _carl_shape(cfg) -> tuple:
    frames = _required_step(cfg, 'CARLSampleFrames')['clip_len']
    height, width = _decoded_size(cfg) or _fixed_resize(cfg)
    # CARLSampleFrames always draws two views
    return (2, 3, frames, height, width)


def _vivit_shape(cfg) -> tuple:
    sampler = _required_step(cfg, 'TemporalMultiView')
    size = _required_step(cfg, 'RandomCrop')['size']
    views, frames = sampler['num_views'], sampler['clip_len']
    return (views, 3, frames, size, size)


def _tsn_shape(cfg) -> tuple:
    segments = _required_step(cfg, 'SampleFrames')['num_clips']
    height, width = _fixed_resize(cfg)
    return (segments, 3, height, width)


def _decoded_size(cfg) -> Optional[Tuple[int, int]]:
    """(H, W) of the frames that a PerViewOnDevice pipeline hands to the
    device: a fixed-size resize before it, or a short side of S at the
    4:3 of Kinetics as MMAction2 prepares it (340x256); None without
    PerViewOnDevice."""
    pipeline = cfg.train_dataloader.dataset.pipeline
    types = [step.get('type') for step in pipeline]
    if 'PerViewOnDevice' not in types:
        return None
    resizes = [
        step for step in pipeline[:types.index('PerViewOnDevice')]
        if step.get('type') == 'Resize'
    ]
    if not resizes:
        raise ValueError('no Resize before PerViewOnDevice: the decoded '
                         'size is unknown')
    width, height = resizes[-1]['scale']
    if width == -1:
        return height, round(height * 340 / 256)
    return height, width


def _fixed_resize(cfg) -> Tuple[int, int]:
    """(H, W) of the last resize to a fixed size of the train pipeline."""
    found = []

    def walk(pipeline):
        for step in pipeline:
            if step.get('type') == 'Resize' and not step.get(
                    'keep_ratio', True):
                found.append(step['scale'])
            if isinstance(step.get('transforms'), list):
                walk(step['transforms'])

    walk(cfg.train_dataloader.dataset.pipeline)
    if not found:
        raise ValueError('the train pipeline has no fixed-size Resize')
    width, height = found[-1]
    return height, width


def _carl_fields(num_views: int, num_frames: int, rng) -> dict:
    import numpy as np
    timestamps = np.sort(
        rng.choice(num_frames * 2, (num_views, num_frames)), axis=1)
    return dict(
        frame_timestamps=timestamps,
        frame_mask=np.ones((num_views, num_frames), dtype=bool))


METHODS = (
    MethodCase('scfa', 'SCFA R50', 'configs/scfa_hmdb51.py', True,
               _scfa_shape),
    MethodCase('cvrl', 'CVRL R3D-50',
               'configs/cvrl/cvrl_r3d50_16xb64-200e_kinetics400.py', True,
               _cvrl_shape),
    MethodCase('carl', 'CARL R50 + Transformer',
               'configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py',
               True, _carl_shape, _carl_fields),
    MethodCase('vivit', 'ViViT-B',
               'configs/vivit/vivit_b-fe_8xb8-30e_hmdb51.py', False,
               _vivit_shape),
    MethodCase(
        'tsn', 'TSN R50 (MMAction2)', 'mmaction::recognition/tsn/'
        'tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py',
        True, _tsn_shape),
)


def load_method_config(case: MethodCase):
    from mmengine.config import Config
    if case.config.startswith('mmaction::'):
        # Config.fromfile reads only files; an MMAction2 config by name
        # comes in as a _base_
        cfg = Config.fromstring(f'_base_ = {case.config!r}', '.py')
    else:
        cfg = Config.fromfile(osp.join(REPO_ROOT, case.config))
    if case.name.startswith('TSN'):
        # MMAction2's TSNHead computes its accuracy in numpy, which has no
        # bfloat16; the same head with the accuracy on the device
        cfg.model.cls_head.type = 'TSNHeadOnDevice'
    return cfg


def build_quiet(model_cfg: dict):
    """The model with random, initialised weights."""
    from scfa_mm.utils import build_untrained_model
    from scfa_mm.utils.profiling import quiet_logger
    model = build_untrained_model(model_cfg)
    with quiet_logger():
        model.init_weights()
    return model


def per_gpu_batch(cfg) -> int:
    """Videos per GPU of one process: a GlobalBatchSampler's batch counts
    every process, which is the same on one GPU."""
    return int(cfg.train_dataloader.batch_size)


def shrink_for_smoke(case: MethodCase, cfg, shape: tuple,
                     sizes: Sizes) -> tuple:
    """Tiny inputs (and a ViViT built for them) in the smoke mode."""
    if not sizes.smoke:
        return shape
    views, channels, *rest = shape
    device_augment = _find_step(cfg.train_dataloader.dataset.pipeline,
                                'PerViewOnDevice')
    if device_augment is not None:
        # the device crops to three quarters of the tiny frames
        for step in device_augment['transforms']:
            if step['type'] == 'Resize':
                step['scale'] = (sizes.image_size * 3 // 4, ) * 2
    if len(rest) == 3:
        rest = [min(rest[0], sizes.max_frames)] + [sizes.image_size] * 2
        if cfg.model.backbone.type == 'ViViT':
            cfg.model.backbone.update(
                num_frames=rest[0], img_size=sizes.image_size)
    else:
        rest = [sizes.image_size] * 2
    return (views, channels, *rest)


def make_batch(case: MethodCase, cfg, shape: tuple, batch: int,
               num_classes: int, device: str) -> dict:
    import numpy as np
    import torch
    from mmaction.structures import ActionDataSample
    generator = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(0)
    draw_views = _view_augment_drawer(cfg, shape)
    inputs, samples = [], []
    np.random.seed(0)
    for index in range(batch):
        inputs.append(
            torch.randint(
                0, 256, shape, dtype=torch.uint8,
                generator=generator).to(device))
        sample = ActionDataSample().set_gt_label(index % num_classes)
        if case.sample_fields is not None:
            for key, value in case.sample_fields(shape[0], shape[2],
                                                 rng).items():
                sample.set_field(value, key)
        if draw_views is not None:
            sample.set_field(draw_views(), 'view_augment')
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _view_augment_drawer(cfg, shape: tuple) -> Optional[Callable]:
    """A function drawing one video's view augmentation as the config's
    PerViewOnDevice does, for inputs ``(V, C, T, H, W)``; None for a
    config without it."""
    import numpy as np
    from mmaction.registry import TRANSFORMS
    step = _find_step(cfg.train_dataloader.dataset.pipeline, 'PerViewOnDevice')
    if step is None:
        return None
    transform = TRANSFORMS.build(step)
    views, _, frames, height, width = shape
    imgs = [np.zeros((height, width, 3), np.uint8)] * (views * frames)

    def draw():
        return transform(dict(imgs=imgs, num_clips=views,
                              clip_len=frames))['view_augment']

    return draw


def train_steps(model, cfg, data: dict, precision: str, sizes: Sizes,
                device: str, compile_backbone: bool) -> dict:
    """Train ``model`` on ``data`` for warm-up + timed steps; the first
    step's loss and the step times."""
    import torch
    from mmengine.optim import build_optim_wrapper

    from scfa_mm.utils.profiling import (StepTimer, peak_memory_gib,
                                         quiet_logger, reset_peak_memory)
    wrapper_cfg = dict(cfg.optim_wrapper)
    wrapper_cfg['type'] = 'OptimWrapper' if precision == 'fp32' else \
        'BFloat16OptimWrapper'
    wrapper_cfg.pop('dtype', None)
    wrapper_cfg.pop('loss_scale', None)
    if compile_backbone:
        model.backbone = torch.compile(model.backbone)
    with quiet_logger():
        wrapper = build_optim_wrapper(model, wrapper_cfg)
    model.train()
    reset_peak_memory(device)
    timer = StepTimer(device)
    losses = []
    torch.manual_seed(1)  # the same dropout draws in every precision
    timer.mark()
    for _ in range(sizes.warmup_steps + sizes.timed_steps):
        log_vars = model.train_step(data, wrapper)
        losses.append(log_vars['loss'].detach().float())
        timer.mark()
    step_ms = timer.milliseconds()
    losses = torch.stack(losses).cpu()
    augment_ms = None
    if type(model.data_preprocessor).__name__ == \
            'ClipAugmentDataPreprocessor':
        # the per-view augmentation alone (part of every step above)
        timer = StepTimer(device)
        timer.mark()
        for _ in range(max(sizes.timed_steps // 2, 1)):
            model.data_preprocessor(data, True)
            timer.mark()
        times = sorted(timer.milliseconds())
        augment_ms = times[len(times) // 2]
    return dict(
        augment_ms=augment_ms,
        first_loss=float(losses[0]),
        losses_finite=bool(torch.isfinite(losses).all()),
        first_step_ms=step_ms[0],
        step_ms=step_ms[sizes.warmup_steps:],
        peak_gib=peak_memory_gib(device))


def run_method(case: MethodCase,
               sizes: Sizes,
               device: str,
               precisions: Sequence[str],
               fp32_first_loss: Optional[float] = None) -> List[dict]:
    """Rows of ``case`` trained in each of ``precisions`` (``fp32``,
    ``bf16``, ``bf16-cl``, ``bf16-cl-compile``) from the same weights."""
    import copy

    import torch
    from mmengine.registry import init_default_scope

    from scfa_mm.models.utils import to_channels_last
    init_default_scope('mmaction')
    cfg = load_method_config(case)
    shape = shrink_for_smoke(case, cfg, case.input_shape(cfg), sizes)
    images_per_video = images_per_video_of(shape)
    batch = sizes.batch or per_gpu_batch(cfg)
    torch.manual_seed(0)
    model = build_quiet(cfg.model)
    initial_state = copy.deepcopy(model.state_dict())
    num_classes = cfg.model.get('cls_head', {}).get('num_classes', 2)
    rows = []
    for precision in precisions:
        row = dict(
            method=case.name,
            config=case.config,
            precision=precision,
            config_batch=per_gpu_batch(cfg),
            input_shape=list(shape),
            images_per_video=images_per_video)
        try_batch = batch
        while True:
            out_of_memory = False
            try:
                model.load_state_dict(initial_state)
                model.to(device)
                channels_last = precision.startswith('bf16-cl')
                if channels_last:
                    to_channels_last(model.backbone)
                else:
                    model.backbone._apply(lambda t: t.contiguous())
                if hasattr(model, 'channels_last'):
                    model.channels_last = channels_last
                data = make_batch(case, cfg, shape, try_batch, num_classes,
                                  device)
                result = train_steps(model, cfg, data,
                                     'fp32' if precision == 'fp32' else 'bf16',
                                     sizes, device,
                                     precision.endswith('compile'))
            except torch.cuda.OutOfMemoryError:
                out_of_memory = True
            finally:
                data = None
                model.backbone = getattr(model.backbone, '_orig_mod',
                                         model.backbone)
            if not out_of_memory:
                break
            # freed only once the exception (and its frames) is gone
            gc.collect()
            torch.cuda.empty_cache()
            row.setdefault('out_of_memory_at', []).append(try_batch)
            if try_batch == 1:
                result = None
                break
            try_batch //= 2
        if result is None:
            row['error'] = 'out of memory at batch 1'
            rows.append(row)
            continue
        median_ms = sorted(result['step_ms'])[len(result['step_ms']) // 2]
        videos_per_s = try_batch / (median_ms / 1e3)
        row.update(
            batch=try_batch,
            step_ms_median=median_ms,
            step_ms_mean=sum(result['step_ms']) / len(result['step_ms']),
            first_step_ms=result['first_step_ms'],
            videos_per_s=videos_per_s,
            images_per_s=videos_per_s * images_per_video,
            peak_gib=result['peak_gib'],
            losses_finite=result['losses_finite'],
            first_loss=result['first_loss'],
            augment_ms_median=result['augment_ms'])
        if precision == 'fp32' and try_batch == batch:
            fp32_first_loss = result['first_loss']
        if precision != 'fp32' and fp32_first_loss is not None \
                and try_batch == batch:
            row['first_loss_abs_diff_vs_fp32'] = abs(result['first_loss'] -
                                                     fp32_first_loss)
            row['first_loss_rel_diff_vs_fp32'] = row[
                'first_loss_abs_diff_vs_fp32'] / max(
                    abs(fp32_first_loss), 1e-12)
        rows.append(row)
        print(
            f"[models] {case.name} {precision}: batch {try_batch}, "
            f"{median_ms:.1f} ms/step, {videos_per_s:.1f} videos/s, "
            f"loss {result['first_loss']:.4f}",
            flush=True)
    del model, initial_state
    if device == 'cuda':
        torch.cuda.empty_cache()
    return rows


def images_per_video_of(shape: tuple) -> int:
    """Images a video counts: its grids or segments ``(V, C, H, W)``, or
    the frames of its clips ``(V, C, T, H, W)``."""
    return shape[0] * shape[2] if len(shape) == 5 else shape[0]


def section_models(sizes: Sizes, device: str, methods: Sequence[str]) -> dict:
    import torch
    if device == 'cuda':
        torch.backends.cudnn.benchmark = True
    rows = []
    for case in (case for case in METHODS if case.key in methods):
        rows += run_method(case, sizes, device, ['fp32', 'bf16'] +
                           (['bf16-cl'] if case.convolutional else []))
    return dict(rows=rows)


def section_compile(sizes: Sizes, device: str,
                    fp32_first_loss: Optional[float]) -> List[dict]:
    """The SCFA row with its backbone under ``torch.compile``."""
    import torch
    if device == 'cuda':
        torch.backends.cudnn.benchmark = True
    return run_method(METHODS[0], sizes, device, ['bf16-cl-compile'],
                      fp32_first_loss)


# --------------------------------------------------------------------------
# 2. end to end through the Runner


def run_logged(command: List[str], log_path: str, env: dict) -> float:
    """Run ``command`` in the repository, its output to ``log_path``; the
    seconds it took. Raises with the log's tail when it fails."""
    return run_logged_together([(command, log_path)], env)


def run_logged_together(runs: Sequence[Tuple[List[str], str]],
                        env: dict) -> float:
    """Run several ``(command, log_path)`` at once (as
    :func:`run_logged`); the seconds until the last one ended."""
    start = time.perf_counter()
    processes = []
    for command, log_path in runs:
        with open(log_path, 'w') as log:
            processes.append(
                subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=REPO_ROOT))
    codes = [process.wait() for process in processes]
    seconds = time.perf_counter() - start
    for (command, log_path), code in zip(runs, codes):
        if code != 0:
            with open(log_path) as log:
                tail = ''.join(log.readlines()[-30:])
            raise RuntimeError(f'{" ".join(command)} failed ({code}); the '
                               f'end of {log_path}:\n{tail}')
    return seconds


def _child_env() -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        filter(None, [REPO_ROOT, env.get('PYTHONPATH')]))
    env['PYTHON'] = sys.executable
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def read_training_log(work_dir: str) -> List[dict]:
    """The training iterations MMEngine logged (``vis_data/scalars.json``)."""
    paths = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    if not paths:
        raise RuntimeError(f'no scalars.json under {work_dir}')
    with open(sorted(paths)[-1]) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    return [e for e in entries if 'loss' in e and 'data_time' in e]


def section_runner(sizes: Sizes, device: str, out_dir: str) -> dict:
    from scfa_mm.utils.profiling import GpuSampler
    work = osp.join(out_dir, 'runner')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = _child_env()
    synthetic = osp.join(work, 'synthetic')
    cache = osp.join(synthetic, 'frame_cache')
    cores = os.cpu_count() or 1
    seconds = dict(
        make_synthetic=run_logged([
            sys.executable, 'tools/data/make_synthetic.py', '--out', synthetic,
            '--num-videos',
            str(sizes.synthetic_videos), '--max-frames',
            str(sizes.synthetic_max_frames), '--workers',
            str(cores)
        ], osp.join(work, 'make_synthetic.log'), env))
    # the smoke mode validates on the test list: one cache build fewer
    val_split = 'test' if sizes.smoke else 'val'
    splits = sorted({'train', val_split, 'test'})
    # the lists at once, the cores shared
    seconds['build_frame_cache'] = run_logged_together([([
        sys.executable, 'tools/data/build_frame_cache.py',
        osp.join(synthetic, f'{split}.txt'), '--data-prefix',
        osp.join(synthetic, 'videos'), '--out', cache, '--nproc',
        str(max(1, cores // len(splits)))
    ], osp.join(work, f'cache_{split}.log')) for split in splits], env)

    config = 'configs/scfa/scfa_r18_synthetic_cache.py'
    workers = max(1, min(8, cores - 1))
    data_options = []
    for loader, split in (('train', 'train'), ('val', val_split), ('test',
                                                                   'test')):
        data_options += [
            f'{loader}_dataloader.dataset.ann_file={cache}/{split}.txt',
            f'{loader}_dataloader.dataset.data_prefix.video={cache}',
            f'{loader}_dataloader.num_workers={workers}'
        ]
    epochs = sizes.runner_epochs
    train_options = [
        f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
        f'default_hooks.checkpoint.interval={epochs}',
        'default_hooks.logger.interval=5'
    ]
    if sizes.smoke:
        train_options.append('train_dataloader.batch_size=4')
    amp = device == 'cuda'
    train_dir = osp.join(work, 'train')
    env_train = dict(env, PORT=str(_free_port()))
    command = [
        'bash', 'tools/dist_train.sh', config, '1', '--work-dir', train_dir
    ] + (['--amp'] if amp else []) + ['--cfg-options'
                                      ] + data_options + train_options
    with GpuSampler() as sampler:
        seconds['train'] = run_logged(command, osp.join(work, 'train.log'),
                                      env_train)
    iterations = read_training_log(train_dir)
    last_epoch = [e for e in iterations if e['epoch'] == epochs] or \
        iterations
    mean_time = sum(e['time'] for e in last_epoch) / len(last_epoch)
    mean_data = sum(e['data_time'] for e in last_epoch) / len(last_epoch)
    from mmengine.config import Config
    global_batch = 4 if sizes.smoke else Config.fromfile(
        osp.join(REPO_ROOT, config)).train_dataloader.batch_size
    with open(osp.join(synthetic, 'train.txt')) as f:
        train_videos = sum(1 for line in f if line.strip())

    checkpoint = osp.join(train_dir, f'epoch_{epochs}.pth')
    test_dir = osp.join(work, 'test')
    dump = osp.join(work, 'test_predictions.pt')
    seconds['test'] = run_logged([
        sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
        test_dir, '--dump', dump, '--cfg-options'
    ] + data_options, osp.join(work, 'test.log'), env)
    from scfa_mm.utils.build import read_test_dump
    predictions = read_test_dump(dump)
    with open(osp.join(cache, 'test.txt')) as f:
        test_videos = sum(1 for line in f if line.strip())
    top1 = float(
        (predictions['scores'].argmax(1)
         == predictions['labels']).mean()) if 'scores' in predictions else None
    return dict(
        command=' '.join(command[1:4] + (['--amp'] if amp else [])) +
        ' --work-dir DIR --cfg-options (the cache, '
        f'{epochs} epoch(s))',
        amp=amp,
        epochs=epochs,
        train_videos=train_videos,
        global_batch=global_batch,
        workers=workers,
        seconds=seconds,
        logged_iterations=len(last_epoch),
        iteration_s_mean=mean_time,
        data_s_mean=mean_data,
        data_fraction=mean_data / mean_time,
        videos_per_s=global_batch / mean_time,
        videos_per_s_wall=train_videos * epochs / seconds['train'],
        gpu=sampler.summary(),
        test_videos=test_videos,
        test_predictions=len(predictions['labels']),
        test_top1=top1)


# --------------------------------------------------------------------------
# 3. torch.distributed on the device's backend


def section_distributed(sizes: Sizes, device: str, out_dir: str) -> dict:
    import torch
    world_size = torch.cuda.device_count() if device == 'cuda' else 2
    result_path = osp.join(out_dir, 'distributed.json')
    if osp.exists(result_path):
        os.remove(result_path)
    command = [
        sys.executable, '-m', 'torch.distributed.run',
        f'--nproc_per_node={world_size}', f'--master_port={_free_port()}',
        osp.abspath(__file__), '--distributed-worker', '--device', device,
        '--out', out_dir
    ] + (['--smoke'] if sizes.smoke else [])
    seconds = run_logged(command, osp.join(out_dir, 'distributed.log'),
                         _child_env())
    with open(result_path) as f:
        result = json.load(f)
    result['seconds'] = seconds
    if world_size < 2:
        result['note'] = ('one rank: the gather ran its collectives '
                          '(all_gather, all_reduce) on it, check_same_rows '
                          'has nothing to compare, and SyncBN falls back to '
                          'BatchNorm; the cross-rank checks need 2 GPUs')
    return result


def distributed_worker(args: argparse.Namespace) -> None:
    """One rank: the collectives and SyncBN, checked against what a single
    process computes; rank 0 writes ``distributed.json``."""
    import torch
    from mmengine import dist
    from torch import nn

    import scfa_mm  # noqa: F401
    from scfa_mm.models.utils.distributed import (_AllGatherWithGrad,
                                                  check_same_rows)
    device = args.device
    if device == 'cuda':
        on = torch.device('cuda', int(os.environ['LOCAL_RANK']))
        torch.cuda.set_device(on)
    else:
        on = torch.device('cpu')
    # torch's own call: MMEngine's init_dist picks a CUDA device even for
    # gloo
    torch.distributed.init_process_group(
        backend='nccl' if device == 'cuda' else 'gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    result = dict(backend=torch.distributed.get_backend(), world_size=world)

    # all_gather_with_grad: rank r holds rows of value r + 1 and weighs
    # slice s by (r + 1) * (s + 2); the gradient of its rows is the sum over
    # ranks q of (q + 1) * (r + 2). Applied directly so that the
    # collectives run even on one rank.
    mine = torch.full((4, 3), rank + 1.0, device=on, requires_grad=True)
    gathered = _AllGatherWithGrad.apply(mine)
    values_ok = all(
        bool((slice_ == s + 1).all()) for s, slice_ in enumerate(gathered))
    loss = sum((rank + 1) * (s + 2) * slice_.sum()
               for s, slice_ in enumerate(gathered))
    loss.backward()
    grads = dist.all_gather(mine.grad[:1, :1].reshape(1))
    result['gather'] = dict(
        values_ok=values_ok,
        gradient_per_rank=[float(g) for g in grads],
        device=str(mine.grad.device))

    # check_same_rows: equal rows pass; with 2 ranks, one extra row on
    # rank 0 must raise on every rank (not hang)
    check_same_rows(torch.zeros(3, 2, device=on), 'rows')
    if world > 1:
        try:
            check_same_rows(torch.zeros(3 + (rank == 0), 2, device=on), 'rows')
            result['unequal_rows_raised'] = False
        except RuntimeError:
            result['unequal_rows_raised'] = True

    # SyncBN (torch's needs a GPU): each rank's slice of one global batch
    # through DDP against BatchNorm on the whole batch in one process
    if device == 'cuda':
        from mmengine.model import MMDistributedDataParallel
        torch.manual_seed(0)
        reference = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)).to(on)
        synced = nn.SyncBatchNorm.convert_sync_batchnorm(
            nn.Sequential(nn.Conv2d(3, 8, 3, padding=1),
                          nn.BatchNorm2d(8))).to(on)
        synced.load_state_dict(reference.state_dict())
        ddp = MMDistributedDataParallel(module=synced, device_ids=[on.index])
        batch = torch.randn(
            4 * world, 3, 16, 16, generator=torch.Generator().manual_seed(1))
        batch = batch.to(on)
        local = batch[4 * rank:4 * (rank + 1)]
        ddp(local).pow(2).mean().backward()
        reference(batch).pow(2).mean().backward()
        result['sync_bn'] = dict(
            running_mean_max_diff=float(
                (synced[1].running_mean -
                 reference[1].running_mean).abs().max()),
            conv_grad_max_diff=float((synced[0].weight.grad -
                                      reference[0].weight.grad).abs().max()),
            conv_grad_max=float(reference[0].weight.grad.abs().max()))
    else:
        result['sync_bn'] = None
    if rank == 0:
        with open(osp.join(args.out, 'distributed.json'), 'w') as f:
            json.dump(result, f, indent=1)
    dist.barrier()
    torch.distributed.destroy_process_group()


# --------------------------------------------------------------------------
# 4. CARL's whole-video pass


def section_augment(sizes: Sizes, device: str) -> dict:
    """ClipAugmentDataPreprocessor on ``device`` against the CPU, and its
    time per batch, for the configs that augment on the device."""
    import torch
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    from scfa_mm.utils.profiling import (StepTimer, peak_memory_gib,
                                         reset_peak_memory)
    init_default_scope('mmaction')
    rows = []
    for case in (case for case in METHODS if case.key in ('cvrl', 'carl')):
        cfg = load_method_config(case)
        shape = shrink_for_smoke(case, cfg, case.input_shape(cfg), sizes)
        batch = sizes.batch or per_gpu_batch(cfg)
        data = make_batch(case, cfg, shape, batch, 2, 'cpu')
        # no normalisation: differences in grey levels
        preprocessor = MODELS.build(dict(type='ClipAugmentDataPreprocessor'))
        compared = min(batch, 4)
        part = dict(
            inputs=data['inputs'][:compared],
            data_samples=data['data_samples'][:compared])
        on_cpu = preprocessor(part, True)['inputs']
        preprocessor.to(device)
        difference = (preprocessor(part, True)['inputs'].cpu() -
                      on_cpu).abs().flatten()
        data['inputs'] = [clips.to(device) for clips in data['inputs']]
        reset_peak_memory(device)
        timer = StepTimer(device)
        preprocessor(data, True)  # warm-up
        timer.mark()
        for _ in range(sizes.timed_steps):
            out = preprocessor(data, True)['inputs']
            timer.mark()
        times = sorted(timer.milliseconds())
        rows.append(
            dict(
                method=case.name,
                batch=batch,
                input_shape=list(shape),
                output_shape=list(out.shape[1:]),
                compared_videos=compared,
                max_abs_diff=float(difference.max()),
                p999_abs_diff=float(
                    difference.kthvalue(
                        max(1, int(0.999 * difference.numel())))[0]),
                ms_per_batch=times[len(times) // 2],
                peak_gib=peak_memory_gib(device)))
        print(
            f'[augment] {case.name}: batch {batch}, '
            f'{rows[-1]["ms_per_batch"]:.1f} ms, max diff vs CPU '
            f'{rows[-1]["max_abs_diff"]:.2e}',
            flush=True)
        del data, out
        if device == 'cuda':
            torch.cuda.empty_cache()
    return dict(rows=rows)


def section_carl_video(sizes: Sizes, device: str) -> dict:
    import torch
    from mmaction.structures import ActionDataSample
    from mmengine.registry import init_default_scope

    from scfa_mm.utils.profiling import (StepTimer, peak_memory_gib,
                                         reset_peak_memory)
    init_default_scope('mmaction')
    case = METHODS[2]
    cfg = load_method_config(case)
    torch.manual_seed(0)
    model = build_quiet(cfg.model)
    model.to(device).eval()
    video = torch.randint(
        0,
        256, (1, 3, sizes.video_frames, sizes.video_size, sizes.video_size),
        dtype=torch.uint8,
        generator=torch.Generator().manual_seed(0)).to(device)
    data = dict(inputs=[video], data_samples=[ActionDataSample()])
    rows, first = [], None
    repeats = 1 if sizes.smoke else 3
    config_chunk = model.backbone.chunk_size
    for chunk_size in sorted({*sizes.chunk_sizes, config_chunk}):
        model.backbone.chunk_size = chunk_size
        for precision in ('fp32', 'bf16'):
            reset_peak_memory(device)
            timer = StepTimer(device)
            with torch.no_grad(), torch.autocast(
                    device, dtype=torch.bfloat16, enabled=precision == 'bf16'):
                model.test_step(data)  # warm-up
                timer.mark()
                for _ in range(repeats):
                    embeddings = model.test_step(data)[0].frame_embeddings
                    timer.mark()
            times = timer.milliseconds()
            embeddings = embeddings.float()
            if first is None:
                first = embeddings
            rows.append(
                dict(
                    chunk_size=chunk_size,
                    precision=precision,
                    frames=sizes.video_frames,
                    size=sizes.video_size,
                    ms=sorted(times)[len(times) // 2],
                    peak_gib=peak_memory_gib(device),
                    embedding_shape=list(embeddings.shape),
                    max_diff_vs_first=float((embeddings - first).abs().max())))
            print(
                f'[carl_video] chunk {chunk_size} {precision}: '
                f'{rows[-1]["ms"]:.1f} ms',
                flush=True)
    return dict(rows=rows, config_chunk_size=config_chunk)


# --------------------------------------------------------------------------
# the report


def environment(device: str) -> dict:
    import mmaction
    import mmengine
    import torch
    info = dict(
        date=datetime.datetime.now(
            datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        device=device,
        torch=torch.__version__,
        torch_cuda=torch.version.cuda,
        cudnn=torch.backends.cudnn.version()
        if torch.backends.cudnn.is_available() else None,
        mmengine=mmengine.__version__,
        mmaction=mmaction.__version__,
        python=platform.python_version(),
        cpu_cores=os.cpu_count())
    if device == 'cuda':
        info['gpu'] = torch.cuda.get_device_name()
        info['gpu_count'] = torch.cuda.device_count()
        info['bf16_supported'] = torch.cuda.is_bf16_supported()
        try:
            info['driver'] = subprocess.check_output([
                'nvidia-smi', '--query-gpu=driver_version',
                '--format=csv,noheader'
            ],
                                                     text=True).split()[0]
        except (OSError, subprocess.CalledProcessError, IndexError):
            info['driver'] = None
    return info


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'NO'
    if isinstance(value, float):
        if math.isnan(value):
            return 'nan'
        return f'{value:.{digits}f}'
    return str(value)


def write_markdown(report: dict, path: str) -> None:
    env = report['environment']
    lines = ['# GPU acceptance report', '']
    where = env.get('gpu') or f'CPU ({env["cpu_cores"]} cores)'
    lines += [
        f'{where}, driver {env.get("driver", "-")}, torch {env["torch"]} '
        f'(CUDA {env["torch_cuda"]}, cuDNN {env["cudnn"]}), mmengine '
        f'{env["mmengine"]}, mmaction2 {env["mmaction"]}, Python '
        f'{env["python"]}, {env["cpu_cores"]} CPU cores; {env["date"]}.',
        f'Command: `{report["command"]}` '
        f'({report["seconds"]:.0f} s in all).', ''
    ]
    if report.get('smoke'):
        lines += [
            'Smoke mode: tiny inputs on the CPU; the figures check the '
            'command, not the hardware.', ''
        ]
    for name, error in report.get('errors', {}).items():
        lines += [f'**{name} failed:**', '', '```', error.strip(), '```', '']
    models = report.get('models')
    if models:
        lines += [
            '## Training steps of every method', '',
            'Random inputs of each config\'s training shape and per-GPU '
            'batch, already on the device; forward, backward and optimiser '
            'step through the config\'s optimiser wrapper. Step time: '
            'median of the timed steps after warm-up. CVRL and CARL take '
            'uint8 frames as decoded and do their per-view augmentation on '
            'the device inside the step (ClipAugmentDataPreprocessor); its '
            'own median time per batch is the last column.', '',
            '| method | precision | batch (config) | input per video | '
            'ms/step | videos/s | images/s | peak GiB | losses finite | '
            'first loss | bf16 vs fp32 | augmentation ms |',
            '|---|---|---|---|---|---|---|---|---|---|---|---|'
        ]
        for row in models['rows']:
            if 'error' in row:
                lines.append(f'| {row["method"]} | {row["precision"]} | '
                             f'- ({row["config_batch"]}) | '
                             f'{tuple(row["input_shape"])} | '
                             f'{row["error"]} ||||||||')
                continue
            batch = f'{row["batch"]} ({row["config_batch"]})'
            if row.get('out_of_memory_at'):
                batch += ' OOM at ' + ', '.join(
                    str(b) for b in row['out_of_memory_at'])
            diff = row.get('first_loss_rel_diff_vs_fp32')
            lines.append(f'| {row["method"]} | {row["precision"]} | {batch} | '
                         f'{tuple(row["input_shape"])} | '
                         f'{_fmt(row["step_ms_median"])} | '
                         f'{_fmt(row["videos_per_s"])} | '
                         f'{_fmt(row["images_per_s"], 0)} | '
                         f'{_fmt(row["peak_gib"], 2)} | '
                         f'{_fmt(row["losses_finite"])} | '
                         f'{_fmt(row["first_loss"], 4)} | ' +
                         ('-' if diff is None else
                          f'{row["first_loss_abs_diff_vs_fp32"]:.4f} '
                          f'({100 * diff:.2f}%)') +
                         f' | {_fmt(row.get("augment_ms_median"))} |')
        lines.append('')
    runner = report.get('runner')
    if runner:
        gpu = runner.get('gpu') or {}
        lines += [
            '## End to end through the Runner', '',
            f'`{runner["command"]}`: {runner["train_videos"]} synthetic '
            f'videos from the frame cache, {runner["epochs"]} epochs, batch '
            f'{runner["global_batch"]}, {runner["workers"]} workers; then '
            '`tools/test.py` on the last checkpoint.', '', '| | |',
            '|---|---|', f'| iteration time (last epoch, mean) | '
            f'{1e3 * runner["iteration_s_mean"]:.1f} ms |',
            f'| of which waiting for data | '
            f'{1e3 * runner["data_s_mean"]:.1f} ms '
            f'({100 * runner["data_fraction"]:.0f}%) |',
            f'| videos/s (batch / iteration time) | '
            f'{runner["videos_per_s"]:.1f} |',
            f'| videos/s (all epochs over the command\'s wall time, '
            f'start-up included) | {runner["videos_per_s_wall"]:.1f} |',
            f'| GPU utilisation during training (mean / median of '
            f'{gpu.get("samples", 0)} samples) | '
            f'{_fmt(gpu.get("utilisation_mean"))}% / '
            f'{_fmt(gpu.get("utilisation_median"))}% |',
            f'| test predictions / test videos | '
            f'{runner["test_predictions"]} / {runner["test_videos"]} |',
            f'| test top-1 | {_fmt(runner["test_top1"], 3)} |',
            '| seconds: synthetic set, cache, train, test | ' +
            ', '.join(f'{runner["seconds"][k]:.0f}'
                      for k in ('make_synthetic', 'build_frame_cache', 'train',
                                'test')) + ' |', ''
        ]
    distributed = report.get('distributed')
    if distributed:
        gather = distributed['gather']
        sync_bn = distributed.get('sync_bn')
        lines += [
            '## torch.distributed', '',
            f'Backend {distributed["backend"]}, {distributed["world_size"]} '
            f'rank(s), tensors on {gather["device"]}.', '',
            f'- all_gather_with_grad: gathered values right: '
            f'{_fmt(gather["values_ok"])}; gradient per rank '
            f'{gather["gradient_per_rank"]} (expected (r + 2) x W(W + 1) / 2:'
            f' {distributed["expected_gradient"]}).'
        ]
        if 'unequal_rows_raised' in distributed:
            lines.append('- check_same_rows with unequal rows raised on '
                         'every rank: '
                         f'{_fmt(distributed["unequal_rows_raised"])}.')
        if sync_bn:
            lines.append(
                '- SyncBN vs BatchNorm on the whole batch: running mean '
                f'differs by {sync_bn["running_mean_max_diff"]:.2e}, conv '
                f'gradient by {sync_bn["conv_grad_max_diff"]:.2e} (largest '
                f'gradient {sync_bn["conv_grad_max"]:.2e}).')
        else:
            lines.append('- SyncBN: not run (torch\'s SyncBatchNorm needs '
                         'a GPU).')
        if distributed.get('note'):
            lines.append(f'- Note: {distributed["note"]}.')
        lines.append('')
    carl = report.get('carl_video')
    if carl:
        first = carl['rows'][0]
        lines += [
            '## CARL: a whole video at test time', '',
            f'{first["frames"]} frames of {first["size"]}x{first["size"]} '
            'through the Penn Action model (`tools/test.py`\'s path: '
            'test_step), at several chunk sizes (the config\'s is '
            f'{carl["config_chunk_size"]}); time: median of repeated passes '
            'after one warm-up.', '', '| chunk size | precision | ms/video | '
            'frames/s | peak GiB | max diff vs first row |',
            '|---|---|---|---|---|---|'
        ]
        for row in carl['rows']:
            lines.append(f'| {row["chunk_size"]} | {row["precision"]} | '
                         f'{_fmt(row["ms"])} | '
                         f'{_fmt(row["frames"] / (row["ms"] / 1e3), 0)} | '
                         f'{_fmt(row["peak_gib"], 2)} | '
                         f'{row["max_diff_vs_first"]:.2e} |')
        lines.append('')
    augment = report.get('augment')
    if augment:
        lines += [
            '## CVRL and CARL: augmentation on the device', '',
            'ClipAugmentDataPreprocessor on uint8 frames as the workers hand '
            'them over, with draws of the configs\' PerViewOnDevice: its '
            'output on the device against the CPU\'s for the first videos '
            '(grey levels, 0-255), and the median time of the whole batch.',
            '', '| method | batch | input per video | output per video | '
            'ms/batch | ms/video | peak GiB | max diff vs CPU | 99.9% diff |',
            '|---|---|---|---|---|---|---|---|---|'
        ]
        for row in augment['rows']:
            lines.append(
                f'| {row["method"]} | {row["batch"]} | '
                f'{tuple(row["input_shape"])} | '
                f'{tuple(row["output_shape"])} | '
                f'{_fmt(row["ms_per_batch"])} | '
                f'{_fmt(row["ms_per_batch"] / row["batch"], 2)} | '
                f'{_fmt(row["peak_gib"], 2)} | {row["max_abs_diff"]:.2e} | '
                f'{row["p999_abs_diff"]:.2e} |')
        lines.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(lines))


def main() -> None:
    args = parse_args()
    if args.distributed_worker:
        distributed_worker(args)
        return
    device = args.device or ('cpu' if args.smoke else 'cuda')
    fail_without_gpu(device)
    sizes = SMOKE if args.smoke else FULL
    if args.steps is not None:
        sizes = Sizes(**dict(sizes.__dict__, timed_steps=args.steps))
    os.makedirs(args.out, exist_ok=True)
    # first: patches the published mmaction2, quiets warnings, registers
    import scfa_mm  # noqa: F401
    start = time.perf_counter()
    report = dict(
        command=' '.join(['python', 'tools/analysis/gpu_acceptance.py'] +
                         sys.argv[1:]),
        smoke=sizes.smoke,
        environment=environment(device),
        errors={})

    def save() -> None:
        report['seconds'] = time.perf_counter() - start
        with open(osp.join(args.out, 'report.json'), 'w') as f:
            json.dump(report, f, indent=1)
        write_markdown(report, osp.join(args.out, 'report.md'))

    def compile_rows() -> dict:
        models = report.setdefault('models', dict(rows=[]))
        fp32 = [
            row.get('first_loss') for row in models['rows']
            if row['method'] == METHODS[0].name and row['precision'] == 'fp32'
        ]
        models['rows'] += section_compile(sizes, device,
                                          fp32[0] if fp32 else None)
        return models

    runs = dict(
        models=lambda: section_models(sizes, device, args.methods),
        compile=compile_rows,
        runner=lambda: section_runner(sizes, device, args.out),
        distributed=lambda: section_distributed(sizes, device, args.out),
        carl_video=lambda: section_carl_video(sizes, device),
        augment=lambda: section_augment(sizes, device))
    # compiling takes a while: last
    for name in args.sections + (['compile'] if args.compile else []):
        print(f'[{name}] ...', flush=True)
        section_start = time.perf_counter()
        try:
            report['models' if name == 'compile' else name] = runs[name]()
            if name == 'distributed':
                world = report[name]['world_size']
                report[name]['expected_gradient'] = [
                    (r + 2) * world * (world + 1) / 2 for r in range(world)
                ]
        except Exception as error:  # noqa: BLE001 - reported, then re-run
            import traceback
            report['errors'][name] = traceback.format_exc()
            print(f'[{name}] failed: {error!r}', flush=True)
        print(
            f'[{name}] {time.perf_counter() - section_start:.0f} s',
            flush=True)
        save()
    print(f'report: {osp.join(args.out, "report.md")}')
    if report['errors']:
        sys.exit(1)


if __name__ == '__main__':
    main()
