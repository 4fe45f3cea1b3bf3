"""Audio sample streams as NumPy chunks: channel layouts, remixing, resampling (libswresample),
re-blocking. Nothing here knows about clips; :mod:`shotgraph.clip` and :mod:`.audio` build on it."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import av
import numpy as np

_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def layout_name(channels: int) -> str:
    return _LAYOUTS.get(channels, f"{channels}c")


def to_av_frame(chunk: np.ndarray, sample_rate: int, pts: int | None = None) -> av.AudioFrame:
    chunk = np.ascontiguousarray(chunk, dtype=np.float32)
    frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout_name(chunk.shape[0]))
    frame.sample_rate = sample_rate
    if pts is not None:
        frame.pts = pts
        frame.time_base = Fraction(1, sample_rate)
    return frame


def remix(chunk: np.ndarray, channels: int) -> np.ndarray:
    have = chunk.shape[0]
    if have == channels:
        return chunk
    if have == 1:
        return np.repeat(chunk, channels, axis=0)
    if channels == 1:
        return chunk.mean(axis=0, keepdims=True)
    if have > channels:  # keep the front channels (L, R first in every FFmpeg layout)
        return chunk[:channels]
    return np.concatenate([chunk, np.zeros((channels - have, chunk.shape[1]), np.float32)])


def resample_chunks(chunks: Iterator[np.ndarray], rate_in: int, rate_out: int) -> Iterator[np.ndarray]:
    """Stream float32 planar chunks through libswresample from ``rate_in`` to ``rate_out``."""
    if rate_in == rate_out:
        yield from chunks
        return
    resampler = None
    pts = 0
    for chunk in chunks:
        if resampler is None:
            resampler = av.AudioResampler(format="fltp", layout=layout_name(chunk.shape[0]), rate=rate_out)
        for out in resampler.resample(to_av_frame(chunk, rate_in, pts)):
            yield out.to_ndarray()
        pts += chunk.shape[1]
    if resampler is not None:
        for out in resampler.resample(None):
            yield out.to_ndarray()


def reblock(chunks: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Re-cut a chunk stream into blocks of exactly ``size`` samples (the last may be shorter)."""
    pending: list[np.ndarray] = []
    have = 0
    for chunk in chunks:
        pending.append(chunk)
        have += chunk.shape[1]
        while have >= size:
            joined = np.concatenate(pending, axis=1) if len(pending) > 1 else pending[0]
            yield joined[:, :size]
            rest = joined[:, size:]
            pending, have = ([rest], rest.shape[1]) if rest.shape[1] else ([], 0)
    if have:
        yield np.concatenate(pending, axis=1)
