"""Video opening and decoding that name the file and decode frames once."""
import io
from typing import Any, Dict, Optional, Sequence

import numpy as np
from mmaction.datasets.transforms import DecordInit
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine import fileio

from ..frame_pack import FramePackReader


class DecodedFrames:
    """Frames already in memory, with decord's ``NDArray.asnumpy`` API.

    Args:
        frames (np.ndarray): ``(N, H, W, 3)`` uint8 frames.
    """

    def __init__(self, frames: np.ndarray) -> None:
        self.frames = frames

    def asnumpy(self) -> np.ndarray:
        return self.frames


class UniqueFrameReader:
    """Wrap a ``decord.VideoReader`` so ``get_batch`` decodes each frame once.

    Multi-view indices are view-major and overlap, so asking decord for them
    as they are seeks backwards at the start of every view and decodes shared
    frames again (about ``num_views`` times the work). This wrapper asks the
    reader for the sorted distinct indices, in one forward pass, and expands
    the result back to the requested order. Every other attribute is the
    wrapped reader's.

    Args:
        reader: The wrapped reader (``decord.VideoReader`` or alike).
        source (str, optional): The video's file name, for error messages.
    """

    def __init__(self, reader: Any, source: Optional[str] = None) -> None:
        self.reader = reader
        self.source = source

    def get_batch(self, indices: Sequence[int]) -> DecodedFrames:
        """Decode ``indices`` (any order, repeats allowed).

        Returns:
            DecodedFrames: ``(len(indices), H, W, 3)`` frames in the
            requested order.
        """
        unique, inverse = np.unique(np.asarray(indices), return_inverse=True)
        try:
            frames = self.reader.get_batch(unique.tolist()).asnumpy()
        except Exception as error:
            raise RuntimeError(
                f'Failed to decode frames {unique.tolist()} of video '
                f'{self.source!r} ({len(self.reader)} frames): '
                f'{type(error).__name__}: {error}') from error
        return DecodedFrames(frames[inverse.reshape(-1)])

    def __len__(self) -> int:
        return len(self.reader)

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not found on the wrapper itself.
        return getattr(self.__dict__['reader'], name)


def sample_source(results: Dict) -> Optional[str]:
    """The video (or frame folder) of a sample, for error messages."""
    return results.get('filename', results.get('frame_dir'))


def checked_total_frames(results: Dict, sampler: str) -> int:
    """``total_frames`` of a sample; 0 frames is an error naming the
    video and the ``sampler``."""
    total_frames = int(results['total_frames'])
    if total_frames < 1:
        raise ValueError(
            f'{sampler}: {sample_source(results)!r} has no frame '
            f'(total_frames={total_frames}); it cannot be sampled')
    return total_frames


def decode_each_frame_once(results: Dict) -> None:
    """Wrap a sample's decord reader (if any) in :class:`UniqueFrameReader`,
    so that ``DecordDecode`` decodes every distinct frame once, in order."""
    reader = results.get('video_reader')
    if reader is not None and not isinstance(reader, UniqueFrameReader):
        results['video_reader'] = UniqueFrameReader(reader,
                                                    sample_source(results))


@TRANSFORMS.register_module()
class CheckedDecordInit(DecordInit):
    """MMAction2's ``DecordInit`` with errors that name the video.

    The stock transform hands decord an in-memory buffer, so a broken file
    fails with "Error reading N bytes" and no name. Here, a file that cannot
    be opened raises ``RuntimeError`` with its path and decord's reason, and
    a video with no frame raises ``ValueError`` with its path. Arguments and
    keys are those of ``DecordInit``. Files are read through
    ``mmengine.fileio`` (the stock transform's ``FileClient`` is deprecated
    and warns on every worker).
    """

    def _get_video_reader(self, filename: str) -> object:
        import decord
        backend_args = None if self.io_backend in ('disk', 'local') else \
            dict(backend=self.io_backend, **self.kwargs)
        buffer = io.BytesIO(fileio.get(filename, backend_args=backend_args))
        return decord.VideoReader(buffer, num_threads=self.num_threads)

    def transform(self, results: Dict) -> Dict:
        filename = results['filename']
        try:
            results = super().transform(results)
        except FileNotFoundError:
            raise
        except Exception as error:
            raise RuntimeError(f'Cannot open video {filename!r}: '
                               f'{type(error).__name__}: {error}') from error
        if results['total_frames'] < 1:
            raise ValueError(f'Video {filename!r} has no frame')
        return results


@TRANSFORMS.register_module()
class FramePackInit(BaseTransform):
    """Open a frame pack (``tools/data/build_frame_cache.py``) in place of a
    video: the cached-data counterpart of ``DecordInit``.

    Sets ``video_reader`` (a :class:`FramePackReader`, which MMAction2's
    ``DecordDecode`` and the plugin's samplers read like decord's reader),
    ``total_frames`` and ``avg_fps`` from ``filename``. A missing or
    incomplete pack raises an error that names it.
    """

    def transform(self, results: Dict) -> Dict:
        reader = FramePackReader(results['filename'])
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        results['avg_fps'] = reader.header['fps']
        return results
