"""Cost of CARL's frame-level video encoder: parameters, GFLOPs per frame,
and the time and peak memory of embedding a whole long video at test time
with the 2D backbone run in chunks of frames.

Each whole-video pass runs in a fresh process; a thread samples its
resident memory (``VmRSS``) every few milliseconds during the pass, and the
table gives the peak beside the memory before the pass (model and input
built). Prints a markdown table.

Example:
    python tools/analysis/benchmark_frame_encoder.py \
        --config configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py \
        --frames 600 --chunk-sizes 16 64
"""
import argparse
import json
import subprocess
import sys
import threading
import time

# first: quiets the pinned stack's warnings, registers the plugin
import scfa_mm  # isort: skip  # noqa: F401
import torch
from mmengine import Config
from mmengine.analysis import FlopAnalyzer
from mmengine.registry import init_default_scope

from scfa_mm.utils.build import build_untrained_model
from scfa_mm.utils.complexity import attention_flop_jit


def rss_mib() -> float:
    """The process's resident memory now."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    raise RuntimeError('no VmRSS in /proc/self/status')


class PeakMemory:
    """Samples the resident memory in a thread while the block runs."""

    def __enter__(self):
        self.peak, self._running = rss_mib(), True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def build_encoder(config: str, chunk_size: int = None):
    cfg = Config.fromfile(config)
    if chunk_size is not None:
        cfg.model.backbone.chunk_size = chunk_size
    return build_untrained_model(cfg.model).backbone.eval(), cfg


def whole_video_pass(config: str, frames: int, size: int,
                     chunk_size: int) -> dict:
    """One whole-video pass in this process: seconds and peak memory."""
    encoder, _ = build_encoder(config, chunk_size)
    clip = torch.randn(1, 3, frames, size, size)
    before = rss_mib()
    start = time.perf_counter()
    with torch.no_grad(), PeakMemory() as memory:
        out = encoder(clip)
    seconds = time.perf_counter() - start
    assert out.shape[:2] == (1, frames)
    return dict(
        seconds=seconds, rss_before_mib=before, peak_rss_mib=memory.peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config',
        default='configs/carl/carl_r50-transformer_4xb1-300e_penn-action.py')
    parser.add_argument('--frames', type=int, default=600)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--chunk-sizes', type=int, nargs='+', default=[64])
    parser.add_argument('--flop-frames', type=int, default=8)
    parser.add_argument('--one-pass', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    init_default_scope('mmaction')
    if args.one_pass is not None:  # the child process of one pass
        print(
            json.dumps(
                whole_video_pass(args.config, args.frames, args.size,
                                 args.one_pass)))
        return

    encoder, _ = build_encoder(args.config)
    params = sum(p.numel() for p in encoder.parameters())
    trainable = sum(p.numel() for p in encoder.parameters() if p.requires_grad)
    analyzer = FlopAnalyzer(
        encoder, (torch.zeros(1, 3, args.flop_frames, args.size, args.size), ))
    analyzer.set_op_handle('aten::scaled_dot_product_attention',
                           attention_flop_jit)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    per_frame = analyzer.total() / args.flop_frames / 1e9
    print(f'{args.config}\nparameters: {params / 1e6:.2f}M '
          f'({trainable / 1e6:.2f}M trainable); GFLOPs per frame at '
          f'{args.size}x{args.size} ({args.flop_frames}-frame clip): '
          f'{per_frame:.2f}\n')
    print('| whole video | chunk size | seconds | memory before (MiB) | '
          'peak memory (MiB) |\n|---|---|---|---|---|')
    for chunk_size in args.chunk_sizes:
        done = subprocess.run([
            sys.executable, __file__, '--config', args.config, '--frames',
            str(args.frames), '--size',
            str(args.size), '--one-pass',
            str(chunk_size)
        ],
                              capture_output=True,
                              text=True,
                              check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f'| {args.frames} x {args.size}x{args.size} | {chunk_size} | '
              f'{result["seconds"]:.1f} | {result["rss_before_mib"]:.0f} | '
              f'{result["peak_rss_mib"]:.0f} |')


if __name__ == '__main__':
    main()
