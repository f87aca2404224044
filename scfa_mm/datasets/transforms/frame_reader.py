"""A video-reader wrapper that decodes every distinct frame once."""
from typing import Any, Sequence

import numpy as np


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
    """

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    def get_batch(self, indices: Sequence[int]) -> DecodedFrames:
        """Decode ``indices`` (any order, repeats allowed).

        Returns:
            DecodedFrames: ``(len(indices), H, W, 3)`` frames in the
            requested order.
        """
        unique, inverse = np.unique(np.asarray(indices), return_inverse=True)
        frames = self.reader.get_batch(unique.tolist()).asnumpy()
        return DecodedFrames(frames[inverse.reshape(-1)])

    def __len__(self) -> int:
        return len(self.reader)

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not found on the wrapper itself.
        return getattr(self.__dict__['reader'], name)
