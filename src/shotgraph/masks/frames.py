"""Walking a clip's frames forwards or backwards with bounded memory.

Propagating a mask backwards through a shot needs frames in reverse order, which decoders cannot
produce. :func:`frames_between` reads ``chunk`` frames forwards at a time and hands them out in
reverse, so a backward walk costs one extra seek per chunk and never holds more than ``chunk``
frames.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from shotgraph.clip import Clip

REVERSE_CHUNK = 16


def frames_between(clip: Clip, first: int, last: int, chunk: int = REVERSE_CHUNK) -> Iterator[tuple[int, np.ndarray]]:
    """``(index, frame)`` from ``first`` to ``last`` inclusive, in that direction (either way)."""
    if first <= last:
        yield from enumerate(clip.frames(first, last + 1), first)
        return
    stop = first + 1
    while stop > last:
        start = max(last, stop - chunk)
        block = list(clip.frames(start, stop))
        for offset in range(len(block) - 1, -1, -1):
            yield start + offset, block[offset]
        stop = start
