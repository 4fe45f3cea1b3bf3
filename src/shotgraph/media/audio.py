"""Audio decoding onto a timeline (sample-stream conversions live in :mod:`.samples`).

Audio is decoded with PyAV and placed by its timestamps, not just concatenated: a gap in the
stream becomes silence and an overlap is dropped, so audio stays in sync with video even for
phone recordings with variable frame rate and dropped audio packets.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from shotgraph.clip import AudioInfo, exact_length, silence
from shotgraph.errors import MediaError
from shotgraph.media.samples import layout_name

# A timestamp jump smaller than this is jitter, not a gap: keep samples contiguous.
GAP_TOLERANCE_SECONDS = 0.04


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
