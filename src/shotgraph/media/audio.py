"""Audio decoding onto a timeline, and conversion between sample rates and channel counts.

Audio is decoded with PyAV and placed by its timestamps, not just concatenated: a gap in the
stream becomes silence and an overlap is dropped, so audio stays in sync with video even for
phone recordings with variable frame rate and dropped audio packets.
"""

from __future__ import annotations

import math
from fractions import Fraction
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from shotgraph.clip import AudioInfo, Clip, exact_length, samples_for_frames, silence
from shotgraph.errors import MediaError

# A timestamp jump smaller than this is jitter, not a gap: keep samples contiguous.
GAP_TOLERANCE_SECONDS = 0.04

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


def _remix(chunk: np.ndarray, channels: int) -> np.ndarray:
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


def conform_audio(clip: Clip, target: AudioInfo) -> Iterator[np.ndarray]:
    """All of a clip's audio at the target rate and channel count, exactly the right length."""
    source = clip.audio
    total = samples_for_frames(clip.n_frames, clip.video.fps, target.sample_rate)
    chunks = (_remix(c, target.channels) for c in clip.audio_samples())
    chunks = resample_chunks(chunks, source.sample_rate, target.sample_rate)
    return exact_length(chunks, total, target.channels)


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


def audio_stream_info(stream, sample_rate: int | None = None, channels: int | None = None) -> AudioInfo:
    return AudioInfo(
        sample_rate=int(sample_rate or stream.codec_context.sample_rate or 48000),
        channels=int(channels or stream.codec_context.channels or 2),
    )


def decode_audio(
    path: Path,
    stream_index: int,
    origin: float,
    info: AudioInfo,
    start: int,
    stop: int,
) -> Iterator[np.ndarray]:
    """Samples ``start`` to ``stop - 1`` of an audio stream, sample 0 being at time ``origin`` (s).

    Audio before the origin is dropped, missing audio becomes silence, and the stream is placed by
    its timestamps so gaps inside it stay gaps.
    """
    rate, channels = info.sample_rate, info.channels
    emitted = start  # the timeline sample the next yielded sample lands on
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as error:
        raise MediaError(f"cannot read audio of {path}: {error}") from None
    with container:
        stream = container.streams.audio[stream_index]
        time_base = stream.time_base
        seek_to = origin + start / rate - 1.0
        if start > 0 and seek_to > 0:
            container.seek(math.floor(seek_to / time_base), stream=stream, backward=True)
        resampler = av.AudioResampler(format="fltp", layout=layout_name(channels), rate=rate)
        cursor: int | None = None  # timeline sample of the resampler's next output sample
        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    if frame.pts is not None:
                        placed = round((float(frame.pts * time_base) - origin) * rate)
                        if cursor is None or abs(placed - cursor) > GAP_TOLERANCE_SECONDS * rate:
                            cursor = placed
                    if cursor is None:
                        cursor = 0
                    frame.pts = None  # the resampler must not re-time; placement is ours
                    for out in resampler.resample(frame):
                        samples = out.to_ndarray()
                        yield from _window(samples, cursor, emitted, stop, channels)
                        emitted = max(emitted, min(stop, cursor + samples.shape[1]))
                        cursor += samples.shape[1]
                    if emitted >= stop:
                        return
            for out in resampler.resample(None):
                if cursor is None:
                    break
                samples = out.to_ndarray()
                yield from _window(samples, cursor, emitted, stop, channels)
                emitted = max(emitted, min(stop, cursor + samples.shape[1]))
                cursor += samples.shape[1]
        except av.error.FFmpegError as error:
            raise MediaError(f"{path}: cannot decode audio near {emitted / rate:.2f}s: {error}") from None
    if emitted < stop:
        yield from silence(stop - emitted, channels)


def _window(samples: np.ndarray, at: int, emitted: int, stop: int, channels: int) -> Iterator[np.ndarray]:
    """The part of ``samples`` (starting at timeline sample ``at``) from ``emitted`` up to ``stop``,
    with silence before it if it starts after ``emitted``."""
    end = at + samples.shape[1]
    if end <= emitted or at >= stop:
        if at >= stop and emitted < stop:
            yield from silence(stop - emitted, channels)
        return
    if at > emitted:
        yield from silence(at - emitted, channels)
        emitted = at
    yield samples[:, emitted - at : min(end, stop) - at]


def read_audio_file(path: Path, info: AudioInfo | None = None, stream_index: int = 0):
    """Open an audio-only (or any) file's audio: returns ``(info, total_samples, read(start, stop))``."""
    from shotgraph.media.reader import open_input  # avoids an import cycle

    container = open_input(path)
    with container:
        if not container.streams.audio:
            raise MediaError(f"{path} has no audio stream")
        stream = container.streams.audio[stream_index]
        info = info or audio_stream_info(stream)
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        if stream.duration is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / av.time_base - origin
        else:
            seconds = 0.0
    total = round(seconds * info.sample_rate)

    def read(start: int, stop: int) -> Iterator[np.ndarray]:
        return exact_length(decode_audio(path, stream_index, origin, info, start, stop), stop - start, info.channels)

    return info, total, read
