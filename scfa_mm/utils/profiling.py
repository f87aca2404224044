"""Measuring a training run on the device it runs on: step times, peak
memory, GPU utilisation over time, and a quiet logger while building.

``torch`` and MMEngine are imported when used, so that a tool can say
what it lacks (e.g. no GPU) before paying for those imports.
"""
import contextlib
import shutil
import subprocess
import threading
import time
from typing import Iterator, List, Optional, Tuple


class StepTimer:
    """Per-step times: CUDA events on a GPU (no synchronisation inside the
    loop), wall clock on the CPU.

    Call :meth:`mark` before the first step and after every step;
    :meth:`milliseconds` gives the time between consecutive marks.

    Args:
        device (str): ``'cuda'`` or ``'cpu'``.
    """

    def __init__(self, device: str) -> None:
        import torch
        self.cuda = device == 'cuda'
        self.torch = torch
        self.marks: List = []

    def mark(self) -> None:
        if self.cuda:
            event = self.torch.cuda.Event(enable_timing=True)
            event.record()
            self.marks.append(event)
        else:
            self.marks.append(time.perf_counter())

    def milliseconds(self) -> List[float]:
        """The ``len(marks) - 1`` step times, in ms (synchronises CUDA)."""
        if self.cuda:
            self.torch.cuda.synchronize()
            return [
                start.elapsed_time(end)
                for start, end in zip(self.marks, self.marks[1:])
            ]
        return [(end - start) * 1e3
                for start, end in zip(self.marks, self.marks[1:])]


def reset_peak_memory(device: str) -> None:
    """Start counting the peak of allocated CUDA memory anew (nothing on
    the CPU)."""
    import torch
    if device == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_memory_gib(device: str) -> Optional[float]:
    """Peak allocated CUDA memory since :func:`reset_peak_memory`, in GiB;
    None on the CPU."""
    import torch
    if device != 'cuda':
        return None
    return torch.cuda.max_memory_allocated() / 2**30


class GpuSampler:
    """``nvidia-smi`` utilisation and memory samples every 200 ms while the
    ``with`` block runs (no samples where ``nvidia-smi`` is missing)."""

    def __init__(self) -> None:
        # (utilisation in %, memory used in MiB)
        self.samples: List[Tuple[float, float]] = []
        self.process = None
        self.thread = None

    def __enter__(self) -> 'GpuSampler':
        if shutil.which('nvidia-smi') is None:
            return self
        self.process = subprocess.Popen([
            'nvidia-smi', '--query-gpu=utilization.gpu,memory.used',
            '--format=csv,noheader,nounits', '-lms', '200'
        ],
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL,
                                        text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            self.add(line)

    def add(self, line: str) -> None:
        """Keep the sample of one ``nvidia-smi`` line
        (``utilisation, memory``); a line that is not one is skipped."""
        parts = [p.strip() for p in line.split(',')]
        try:
            self.samples.append((float(parts[0]), float(parts[1])))
        except (ValueError, IndexError):
            return

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()

    def summary(self) -> Optional[dict]:
        """``samples``, ``utilisation_mean``, ``utilisation_median`` (the
        upper one of an even count) and ``memory_used_mib_max``; None
        without samples."""
        if not self.samples:
            return None
        utilisation = sorted(s[0] for s in self.samples)
        return dict(
            samples=len(utilisation),
            utilisation_mean=sum(utilisation) / len(utilisation),
            utilisation_median=utilisation[len(utilisation) // 2],
            memory_used_mib_max=max(s[1] for s in self.samples))


@contextlib.contextmanager
def quiet_logger() -> Iterator[None]:
    """MMEngine's current logger at warnings only inside the block:
    building a model or an optimiser logs a line per parameter."""
    import logging

    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
