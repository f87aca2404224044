"""Video opening and decoding that name the file and decode frames once.

Four decoders can read a video: decord, PyAV, OpenCV (through
``mmcv.VideoReader``) and torchcodec. Each is described by one
:class:`VideoBackend` in :data:`VIDEO_BACKENDS`, which knows how to import
it (with a sentence saying what to install when it is missing), open a
video, and decode a sorted list of distinct frames in one forward pass.
:class:`UniqueFrameReader` uses that table to serve MMAction2's stock
decode transforms (``DecordDecode``, ``OpenCVDecode``, ``PyAVDecode``) from
any of these readers, each distinct frame decoded once.

:class:`LoadFramePhaseLabels` loads the per-frame phase labels of a video
(frame-wise evaluation, CARL).
"""
import importlib
import io
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
from mmaction.datasets.transforms import DecordInit
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.logging import print_log

from ...utils.arguments import check_choice
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


class UnsupportedVideo(RuntimeError):
    """A video that a backend opens but would decode wrongly."""


class VideoBackend:
    """How one decoder library opens videos and decodes frames.

    Subclasses set ``name`` (the ``backend`` value of :class:`VideoInit`),
    ``module`` (what to import) and ``install`` (the sentence that says
    how to get it), and implement the reader methods. Frames are always
    returned RGB, ``(N, H, W, 3)`` uint8, for sorted distinct indices.
    """
    name = ''
    module = ''
    install = ''
    # whether open() needs a file on disk (else it gets the file's bytes)
    needs_path = False

    def load(self) -> Any:
        """Import the library; ``ImportError`` saying what to install."""
        try:
            return importlib.import_module(self.module)
        except ImportError as error:
            raise ImportError(
                f'Video backend {self.name!r} needs {self.install} ({error}). '
                f'Installed backends: {available_backends() or "none"}; '
                "choose one with dict(type='VideoInit', backend=...)."
            ) from error

    def accepts(self, reader: Any) -> bool:
        """Whether ``reader`` is one of this backend's readers."""
        return type(reader).__module__.split('.')[0] == self.module

    def open(self, source: Union[bytes, str], num_threads: int) -> Any:
        raise NotImplementedError

    def num_frames(self, reader: Any) -> int:
        return len(reader)

    def fps(self, reader: Any) -> float:
        raise NotImplementedError

    def read(self, reader: Any, indices: List[int],
             rewind: bool) -> np.ndarray:
        """Decode ``indices`` (sorted, distinct) in one forward pass.

        Args:
            reader: A reader this backend opened.
            indices (list[int]): Sorted distinct frame indices.
            rewind (bool): Whether the reader was read before (a forward
                pass must then start again from the first frame).

        Returns:
            np.ndarray: ``(len(indices), H, W, 3)`` RGB uint8.
        """
        raise NotImplementedError


def _past_the_end(index: int, decoded: int) -> IndexError:
    return IndexError(f'frame {index} asked, but the video ended after '
                      f'{decoded} frames')


class DecordBackend(VideoBackend):
    """decord, and any reader with decord's ``get_batch`` (frame packs)."""
    name = module = 'decord'
    install = ('decord: pip install decord (wheels for x86-64 Linux only; '
               'elsewhere use another backend)')

    def accepts(self, reader: Any) -> bool:
        return hasattr(reader, 'get_batch')

    def open(self, source: Union[bytes, str], num_threads: int) -> Any:
        return self.load().VideoReader(
            io.BytesIO(source), num_threads=num_threads)

    def fps(self, reader: Any) -> float:
        return reader.get_avg_fps()

    def read(self, reader: Any, indices: List[int],
             rewind: bool) -> np.ndarray:
        # decord seeks by itself
        return reader.get_batch(indices).asnumpy()


class PyAVBackend(VideoBackend):
    """PyAV (FFmpeg bindings with FFmpeg inside the wheel)."""
    name, module = 'pyav', 'av'
    install = 'PyAV: pip install av'

    def open(self, source: Union[bytes, str], num_threads: int) -> Any:
        container = self.load().open(io.BytesIO(source))
        stream = container.streams.video[0]
        # FFmpeg's default (0) starts a thread per core in every data worker
        stream.codec_context.thread_count = num_threads
        if num_threads > 1:
            stream.thread_type = 'AUTO'
        return container

    def num_frames(self, reader: Any) -> int:
        count = reader.streams.video[0].frames
        if count == 0:
            # some containers (MKV, WebM) do not say: count the packets
            # (the flushing packet at the end is empty)
            count = sum(1 for packet in reader.demux(video=0) if packet.size)
            reader.seek(0)
        return count

    def fps(self, reader: Any) -> float:
        return float(reader.streams.video[0].average_rate)

    def read(self, reader: Any, indices: List[int],
             rewind: bool) -> np.ndarray:
        if rewind:
            reader.seek(0)
        frames, wanted = [], iter(indices)
        target = next(wanted)
        decoded = 0
        # every frame must be decoded (inter-frame coding), but only the
        # wanted ones are converted to RGB, which costs as much again
        for position, frame in enumerate(reader.decode(video=0)):
            decoded = position + 1
            if position == target:
                frames.append(frame.to_ndarray(format='rgb24'))
                target = next(wanted, None)
                if target is None:
                    return np.stack(frames)
        raise _past_the_end(target, decoded)


class OpenCVBackend(VideoBackend):
    """OpenCV's ``VideoCapture``, through ``mmcv.VideoReader`` as
    MMAction2's ``OpenCVInit`` opens it."""
    name, module = 'opencv', 'mmcv'
    install = ('OpenCV: pip install opencv-python-headless (with '
               'mmcv-lite or mmcv)')
    needs_path = True

    def accepts(self, reader: Any) -> bool:
        mmcv_reader = type(reader).__module__ == 'mmcv.video.io'
        return mmcv_reader or isinstance(reader, cv2.VideoCapture)

    def open(self, source: Union[bytes, str], num_threads: int) -> Any:
        reader = self.load().VideoReader(source)
        # OpenCV does not raise on a file it cannot read
        if not reader.opened:
            raise OSError('OpenCV cannot read it')
        return reader

    @staticmethod
    def _capture(reader: Any) -> cv2.VideoCapture:
        return reader if isinstance(reader, cv2.VideoCapture) else reader.vcap

    def num_frames(self, reader: Any) -> int:
        return max(0, int(self._capture(reader).get(cv2.CAP_PROP_FRAME_COUNT)))

    def fps(self, reader: Any) -> float:
        return float(self._capture(reader).get(cv2.CAP_PROP_FPS))

    def read(self, reader: Any, indices: List[int],
             rewind: bool) -> np.ndarray:
        capture = self._capture(reader)
        position = int(capture.get(cv2.CAP_PROP_POS_FRAMES))
        if position > indices[0]:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            position = 0
        frames = []
        for index in indices:
            # grab() decodes without the colour conversion of retrieve()
            while position < index:
                if not capture.grab():
                    raise _past_the_end(index, position)
                position += 1
            ok, frame = capture.read()
            if not ok:
                raise _past_the_end(index, position)
            position += 1
            frames.append(frame)
        return np.stack(frames)[..., ::-1]


class TorchCodecBackend(VideoBackend):
    """torchcodec (PyTorch's decoder), which uses the system's FFmpeg and
    decodes a batch of frames with ``get_frames_at``."""
    name = module = 'torchcodec'
    install = 'torchcodec: pip install torchcodec'
    ffmpeg = ("FFmpeg's shared libraries (libavcodec, libavformat, "
              'libavutil, libswscale, ...; versions 4 to 8): on Debian/Ubuntu '
              'apt-get install ffmpeg, on macOS brew install ffmpeg, with '
              'conda: conda install -c conda-forge ffmpeg')

    def load(self) -> Any:
        torchcodec = super().load()
        from torchcodec._core import ops
        # torchcodec imports without FFmpeg and fails at the first decoder
        if not getattr(ops, '_FFMPEG_AVAILABLE', True):
            raise ImportError(
                f'Video backend {self.name!r}: torchcodec '
                f'{torchcodec.__version__} is installed but needs '
                f'{self.ffmpeg}. Installed backends: '
                f'{available_backends() or "none"}.')
        return torchcodec

    def open(self, source: Union[bytes, str], num_threads: int) -> Any:
        self.load()
        from torchcodec.decoders import VideoDecoder
        decoder = VideoDecoder(
            source, dimension_order='NHWC', num_ffmpeg_threads=num_threads)
        # AVI has no presentation timestamps; with MPEG-4 Part 2's packed
        # B-frames (DivX/Xvid) FFmpeg's guessed ones swap neighbouring
        # frames, and torchcodec, which seeks by timestamp, returns the
        # neighbour of the asked frame (checked against decord, PyAV and
        # OpenCV, which agree).
        if (decoder.metadata.codec == 'mpeg4' and isinstance(source, bytes)
                and source[:4] == b'RIFF' and source[8:12] == b'AVI '):
            raise UnsupportedVideo(
                'torchcodec returns neighbouring frames for MPEG-4 Part 2 '
                'video in AVI files (DivX/Xvid, as in HMDB51 and UCF101): '
                "use backend='decord', 'pyav' or 'opencv' for them, or "
                'convert them to MP4')
        return decoder

    def fps(self, reader: Any) -> float:
        # the header's rate, as the other backends report it (torchcodec's
        # average_fps divides the frames by the content's duration)
        metadata = reader.metadata
        return float(metadata.average_fps_from_header or metadata.average_fps)

    def read(self, reader: Any, indices: List[int],
             rewind: bool) -> np.ndarray:
        return reader.get_frames_at(indices).data.numpy()


# backend name -> adapter; readers are matched in this order (decord's
# last: it accepts any reader with ``get_batch``)
VIDEO_BACKENDS: Dict[str, VideoBackend] = {
    backend.name: backend
    for backend in (PyAVBackend(), OpenCVBackend(), TorchCodecBackend(),
                    DecordBackend())
}
# what ``backend='auto'`` picks: the first installed. PyAV first: the same
# frames as decord, 10-15% faster on H.264 and about twice as fast on
# MPEG-4 AVI (docs/performance.md, "Video decoders"), wheels everywhere
AUTO_ORDER = ('pyav', 'decord', 'torchcodec', 'opencv')


def available_backends() -> List[str]:
    """Names of the backends that import here."""
    names = []
    for name in AUTO_ORDER:
        backend = VIDEO_BACKENDS[name]
        try:
            importlib.import_module(backend.module)
        except ImportError:
            continue
        if name == 'torchcodec':
            from torchcodec._core import ops
            if not getattr(ops, '_FFMPEG_AVAILABLE', True):
                continue
        names.append(name)
    return names


def reader_backend(reader: Any) -> Optional[VideoBackend]:
    """The backend of ``reader``, or None for a reader none knows."""
    for backend in VIDEO_BACKENDS.values():
        if backend.accepts(reader):
            return backend
    return None


class UniqueFrameReader:
    """Wrap a video reader so that each distinct frame is decoded once.

    Multi-view indices are view-major and overlap, so asking a reader for
    them as they are seeks backwards at the start of every view and decodes
    shared frames again (about ``num_views`` times the work). This wrapper
    asks the reader's :class:`VideoBackend` for the sorted distinct indices,
    in one forward pass, and serves MMAction2's stock decode transforms
    from the result:

    - ``get_batch(indices)`` (``DecordDecode``): RGB frames in the asked
      order, for a reader of any backend;
    - ``reader[index]`` / ``get_frame(index)`` (``OpenCVDecode``): one BGR
      frame, as ``mmcv.VideoReader`` gives it, for a reader of any backend;
      the first use decodes every frame of :meth:`plan` together;
    - every other attribute is the wrapped reader's (``PyAVDecode`` reads
      the PyAV container itself, in one pass, as it always does).

    Args:
        reader: The wrapped reader (decord's ``VideoReader``, a PyAV
            container, ``mmcv.VideoReader``, torchcodec's ``VideoDecoder``
            or a reader with decord's ``get_batch``).
        source (str, optional): The video's file name, for error messages.

    Raises:
        TypeError: If no backend in :data:`VIDEO_BACKENDS` knows ``reader``.
    """

    def __init__(self, reader: Any, source: Optional[str] = None) -> None:
        backend = reader_backend(reader)
        if backend is None:
            raise TypeError(f'No video backend reads {type(reader)!r}; known:'
                            f' {sorted(VIDEO_BACKENDS)}')
        self.reader = reader
        self.source = source
        self.backend = backend
        self.planned: List[int] = []
        self.cache: Dict[int, np.ndarray] = {}
        self.reads = 0
        self.num_frames: Optional[int] = None

    def plan(self, indices: Sequence[int]) -> None:
        """Announce the frames that indexing will ask for, so that the first
        ``reader[index]`` decodes them all in one pass."""
        self.planned = np.unique(np.asarray(indices)).tolist()

    def _read(self, unique: List[int]) -> np.ndarray:
        try:
            frames = self.backend.read(self.reader, unique, self.reads > 0)
        except Exception as error:
            raise RuntimeError(
                f'Failed to decode frames {unique} of video {self.source!r} '
                f'({len(self)} frames, {self.backend.name}): '
                f'{type(error).__name__}: {error}') from error
        finally:
            self.reads += 1
        return frames

    def get_batch(self, indices: Sequence[int]) -> DecodedFrames:
        """Decode ``indices`` (any order, repeats allowed).

        Returns:
            DecodedFrames: ``(len(indices), H, W, 3)`` RGB frames in the
            requested order.
        """
        unique, inverse = np.unique(np.asarray(indices), return_inverse=True)
        frames = self._read(unique.tolist())
        return DecodedFrames(frames[inverse.reshape(-1)])

    def __getitem__(self, index: int) -> np.ndarray:
        """Frame ``index``, ``(H, W, 3)`` BGR (``mmcv.VideoReader``'s order,
        which ``OpenCVDecode`` expects); the planned frames are decoded
        together on first use."""
        index = int(index)
        if index not in self.cache:
            wanted = [i for i in self.planned if i not in self.cache]
            if index not in wanted:
                # not planned: decode it alone rather than guess
                wanted = [index]
            self.cache.update(zip(wanted, self._read(wanted)))
        return self.cache[index][..., ::-1]

    get_frame = __getitem__

    def __len__(self) -> int:
        if self.num_frames is None:
            self.num_frames = self.backend.num_frames(self.reader)
        return self.num_frames

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
    """Wrap a sample's video reader (any backend of
    :data:`VIDEO_BACKENDS`) in :class:`UniqueFrameReader` and plan
    ``frame_inds``, so that the stock decode transforms decode every
    distinct frame once, in order. A reader no backend knows is left as it
    is."""
    reader = results.get('video_reader')
    if reader is None:
        return
    if not isinstance(reader, UniqueFrameReader):
        if reader_backend(reader) is None:
            return
        reader = UniqueFrameReader(reader, sample_source(results))
        results['video_reader'] = reader
    reader.plan(results['frame_inds'])


def _open_checked(backend: VideoBackend, filename: str,
                  source: Union[bytes, str], num_threads: int) -> Any:
    """``backend.open`` with errors that name the video."""
    try:
        reader = backend.open(source, num_threads)
    except FileNotFoundError:
        raise
    except (ImportError, UnsupportedVideo) as error:
        raise type(error)(f'Cannot open video {filename!r}: {error}') \
            from error
    except Exception as error:
        raise RuntimeError(f'Cannot open video {filename!r} with '
                           f'{backend.name}: {type(error).__name__}: '
                           f'{error}') from error
    return reader


@TRANSFORMS.register_module()
class VideoInit(BaseTransform):
    """Open a video with a chosen decoder, each frame to be decoded once.

    The one Init transform for every decoder: the following stock
    ``DecordDecode`` (or the plugin's samplers and then ``DecordDecode``)
    reads the frames through :class:`UniqueFrameReader`, whatever the
    backend, so a config switches decoders by this transform's ``backend``
    alone::

        dict(type='VideoInit', backend='pyav'),
        dict(type='TemporalMultiView', num_views=2, clip_len=16),
        dict(type='DecordDecode'),

    Required Keys:

    - filename

    Added Keys:

    - video_reader (:class:`UniqueFrameReader`)
    - total_frames
    - avg_fps

    Args:
        backend (str): ``'decord'``, ``'pyav'``, ``'opencv'``,
            ``'torchcodec'`` or ``'auto'`` (the first of
            :data:`AUTO_ORDER` installed here; a video the chosen backend
            would decode wrongly, such as an MPEG-4 Part 2 AVI for
            torchcodec, goes to the next). All give the same frames for the
            same indices on H.264 MP4 and MPEG-4 AVI (tests/
            test_video_backends.py). Defaults to ``'auto'``.
        io_backend (str): MMEngine file backend of the videos (``'disk'``
            or e.g. ``'petrel'``). Defaults to ``'disk'``.
        num_threads (int): Decoding threads per video (1 for data workers,
            one per core). Defaults to 1.
        **kwargs: Further file backend arguments.

    Raises:
        ValueError: At construction, for an unknown ``backend``.
        ImportError: At construction, if ``backend`` is not installed (the
            message says what to install), or no backend is for ``'auto'``.
    """

    def __init__(self,
                 backend: str = 'auto',
                 io_backend: str = 'disk',
                 num_threads: int = 1,
                 **kwargs) -> None:
        check_choice('VideoInit', 'backend', backend,
                     ('auto', *sorted(VIDEO_BACKENDS)))
        if backend == 'auto':
            names = available_backends()
            if not names:
                raise ImportError(
                    'VideoInit(backend="auto") found no video decoder: '
                    'pip install av (PyAV, every platform), or decord, or '
                    'opencv-python-headless')
            print_log(
                f'VideoInit: backend "auto" decodes with {names[0]} '
                f'(installed: {names})',
                logger='current')
        else:
            VIDEO_BACKENDS[backend].load()
            names = [backend]
        self.backend = backend
        self.candidates = [VIDEO_BACKENDS[name] for name in names]
        self.io_backend = io_backend
        self.num_threads = num_threads
        self.backend_args = None if io_backend in ('disk', 'local') else \
            dict(backend=io_backend, **kwargs)

    def _open(self, filename: str) -> Any:
        data = None
        for position, backend in enumerate(self.candidates):
            try:
                if backend.needs_path:
                    with fileio.get_local_path(
                            filename, backend_args=self.backend_args) as path:
                        return backend, _open_checked(backend, filename, path,
                                                      self.num_threads)
                if data is None:
                    data = fileio.get(filename, backend_args=self.backend_args)
                return backend, _open_checked(backend, filename, data,
                                              self.num_threads)
            except UnsupportedVideo:
                if position == len(self.candidates) - 1:
                    raise
        raise AssertionError('unreachable')

    def transform(self, results: Dict) -> Dict:
        """Open ``results['filename']``.

        Raises:
            FileNotFoundError: If the file is missing.
            RuntimeError: If it cannot be opened, naming it.
            ValueError: If it has no frame, naming it.
        """
        filename = results['filename']
        backend, reader = self._open(filename)
        reader = UniqueFrameReader(reader, filename)
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        results['avg_fps'] = backend.fps(reader.reader)
        if results['total_frames'] < 1:
            raise ValueError(f'Video {filename!r} has no frame')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(backend={self.backend!r}, '
                f'io_backend={self.io_backend!r}, '
                f'num_threads={self.num_threads})')


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

    decord has wheels for x86-64 Linux only: where it is missing, this
    transform fails at construction with an ``ImportError`` that says to
    install it or to use :class:`VideoInit` with another ``backend``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        VIDEO_BACKENDS['decord'].load()

    def _get_video_reader(self, filename: str) -> object:
        backend_args = None if self.io_backend in ('disk', 'local') else \
            dict(backend=self.io_backend, **self.kwargs)
        return VIDEO_BACKENDS['decord'].open(
            fileio.get(filename, backend_args=backend_args), self.num_threads)

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


@TRANSFORMS.register_module()
class LoadFramePhaseLabels(BaseTransform):
    """Read the per-frame phase labels of a video.

    The labels of a video are one ``.npy`` file of one integer per frame, in
    the layout of the CARL / LAV label releases: ``label_root/<split>/
    <action>/<video>.npy``, ``<split>`` one of ``splits`` (the file is
    looked up in each, so one pipeline serves every split), ``<action>`` the
    class name of the sample's label and ``<video>`` the file name of the
    video (or frame folder) without its extension. A missing file, one
    found in two splits, and one whose length differs from the video's
    frame count are errors that name the files (the authors' code resamples
    such labels silently).

    Writes ``frame_labels``: ``(total_frames, )`` int64, or, after a sampler
    (place it after one), the labels of the sampled frames, shaped like
    ``frame_timestamps``. Put it into ``PackActionInputs``'s
    ``algorithm_keys``.

    Args:
        label_root (str): Folder of the label release.
        class_names (Sequence[str]): Class names in label order (the
            ``<action>`` folders).
        splits (Sequence[str]): Split folders to look in. Defaults to
            ('train', 'val', 'test').
    """

    def __init__(
        self,
        label_root: str,
        class_names: Sequence[str],
        splits: Sequence[str] = ('train', 'val', 'test')
    ) -> None:
        if not class_names:
            raise ValueError('LoadFramePhaseLabels: class_names must name '
                             'the action folders in label order')
        if not splits:
            raise ValueError('LoadFramePhaseLabels: splits must name at '
                             'least one split folder')
        self.label_root = label_root
        self.class_names = list(class_names)
        self.splits = tuple(splits)

    def label_file(self, results: Dict) -> str:
        """The label file of a sample (checked to exist once)."""
        label = int(np.asarray(results['label']).reshape(-1)[0])
        if not 0 <= label < len(self.class_names):
            raise ValueError(
                f'LoadFramePhaseLabels: {sample_source(results)!r} has label '
                f'{label}, outside the {len(self.class_names)} class_names')
        video = osp.splitext(osp.basename(
            sample_source(results).rstrip('/')))[0]
        candidates = [
            osp.join(self.label_root, split, self.class_names[label],
                     f'{video}.npy') for split in self.splits
        ]
        found = [path for path in candidates if osp.isfile(path)]
        if not found:
            raise FileNotFoundError(
                f'LoadFramePhaseLabels: no phase labels for '
                f'{sample_source(results)!r}: none of {candidates} exists')
        if len(found) > 1:
            raise ValueError(
                f'LoadFramePhaseLabels: {sample_source(results)!r} has phase '
                f'labels in several splits: {found}')
        return found[0]

    def transform(self, results: Dict) -> Dict:
        """Add ``frame_labels``; needs ``label``, ``total_frames`` and,
        after a sampler, ``frame_timestamps``."""
        path = self.label_file(results)
        labels = np.load(path).astype(np.int64).reshape(-1)
        total_frames = int(results['total_frames'])
        if len(labels) != total_frames:
            raise ValueError(
                f'LoadFramePhaseLabels: {path} has {len(labels)} labels but '
                f'{sample_source(results)!r} has {total_frames} frames')
        steps = results.get('frame_timestamps')
        results['frame_labels'] = labels if steps is None else labels[steps]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(label_root={self.label_root!r}, '
                f'class_names={self.class_names}, splits={self.splits})')
