"""How a face video is fitted to the audio's length.

The output always lasts as long as the audio (rounded up to a whole frame). A shorter video is
extended by ``pingpong`` (play forwards, then backwards, and so on: no jump at the seam, the
default), ``loop`` (restart: a jump at each seam, like Wav2Lip's own inference) or ``hold`` (freeze
the last frame). A longer video is cut at the end of the audio by default (``keep`` instead keeps
all of it, with silence after the audio).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np

from shotgraph.clip import Clip, RetimeClip

Extend = Literal["pingpong", "loop", "hold"]
_BACKWARD_BLOCK = 24  # frames decoded at once when playing backwards (bounded memory)


def source_index_map(n_source: int, n_out: int, extend: Extend = "pingpong") -> np.ndarray:
    """For each output frame, the source frame it shows."""
    k = np.arange(n_out, dtype=np.int64)
    if n_source <= 1:
        return np.zeros(n_out, np.int64)
    if extend == "loop":
        return k % n_source
    if extend == "hold":
        return np.minimum(k, n_source - 1)
    period = 2 * n_source - 2
    phase = k % period
    return np.where(phase < n_source, phase, period - phase)


def frames_by_index(clip: Clip, indices: np.ndarray) -> Iterator[np.ndarray]:
    """``clip``'s frames in the order ``indices`` lists them: forward runs stream, backward runs
    are decoded in blocks of a few frames and reversed, so memory stays bounded."""
    i, n = 0, len(indices)
    while i < n:
        j = i + 1
        if j < n and indices[j] == indices[i] - 1:
            while j < n and indices[j] == indices[j - 1] - 1:
                j += 1
            lowest, highest = int(indices[j - 1]), int(indices[i])
            for end in range(highest + 1, lowest, -_BACKWARD_BLOCK):
                block = list(clip.frames(max(lowest, end - _BACKWARD_BLOCK), end))
                yield from reversed(block)
        else:
            while j < n and 0 <= indices[j] - indices[j - 1] <= 1:
                j += 1
            run = indices[i:j]
            yield from RetimeClip(clip, run, clip.video.fps).frames()
        i = j
