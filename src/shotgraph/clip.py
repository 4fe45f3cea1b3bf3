"""The Clip: a lazy, re-iterable stream of video frames with its audio, and known length.

Every op consumes and produces clips. A clip never holds its frames in memory: ``frames()`` yields
them one at a time (decoded from a file, or computed from an upstream clip), so memory stays bounded
whatever the length of the video. Clips can be iterated more than once, and from any frame, which is
what two-pass ops (analysis, then render) and trims need.

Conventions, checked at the boundary:

- a frame is an ``(height, width, 3)`` RGB or ``(height, width, 4)`` RGBA ``uint8`` array, sRGB /
  BT.709 encoded, and read-only: an op that wants to change pixels makes its own copy;
- audio is ``float32`` in ``(channels, samples)`` chunks of at most about a second;
- a clip's audio is exactly as long as its video: frame ``k`` starts at sample
  :func:`samples_for_frames` ``(k)``, so cutting and joining clips can never drift out of sync.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from shotgraph.errors import UserError
import shotgraph.media.frames as media_frames
from shotgraph.media.frames import FrameTarget
from shotgraph.media.samples import remix, resample_chunks

AUDIO_CHUNK = 48_000  # samples per yielded audio chunk, at most

# Frame rates people write as decimals but mean as NTSC fractions.
_NTSC_RATES = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}


def parse_fps(value: object) -> Fraction:
    """A frame rate from ``24``, ``29.97``, ``"30000/1001"`` or a Fraction, as an exact Fraction."""
    if isinstance(value, Fraction):
        fps = value
    elif isinstance(value, bool):
        raise UserError(f"frame rate must be a number, got {value!r}")
    elif isinstance(value, int):
        fps = Fraction(value)
    elif isinstance(value, (float, str)):
        text = str(value).strip()
        if text in _NTSC_RATES:
            fps = _NTSC_RATES[text]
        else:
            try:
                fps = Fraction(text).limit_denominator(1001)
            except (ValueError, ZeroDivisionError):
                raise UserError(f"frame rate {value!r} is not a number or a fraction like 30000/1001") from None
            snapped = _NTSC_RATES.get(f"{float(fps):.3f}".rstrip("0").rstrip("."))
            fps = snapped or fps
    else:
        raise UserError(f"frame rate must be a number, got {value!r}")
    if fps <= 0 or fps > 1000:
        raise UserError(f"frame rate {value!r} is out of range (0, 1000]")
    return fps


def samples_for_frames(n_frames: int, fps: Fraction, sample_rate: int) -> int:
    """The audio sample at which frame ``n_frames`` starts (exact rational arithmetic, rounded)."""
    exact = Fraction(n_frames) * sample_rate / fps
    return math.floor(exact + Fraction(1, 2))


def frames_for_seconds(seconds: float, fps: Fraction) -> int:
    """The frame index nearest to a time in seconds."""
    return int(math.floor(Fraction(seconds).limit_denominator(10**6) * fps + Fraction(1, 2)))


def nearest_frame_map(source_times: np.ndarray, n_out: int, fps: Fraction) -> np.ndarray:
    """For each output frame ``k`` (at ``k / fps`` s), the index of the source frame nearest in time.

    ``source_times`` are the sorted presentation times of the source frames in seconds, the first
    being 0. Ties go to the earlier frame. This is FFmpeg's ``fps`` filter rule, used both for
    variable-rate input and for frame-rate conversion by duplicating and dropping.
    """
    if n_out <= 0:
        return np.zeros(0, np.int64)
    times = np.arange(n_out, dtype=np.float64) * (fps.denominator / fps.numerator)
    after = np.searchsorted(source_times, times, side="left").clip(0, len(source_times) - 1)
    before = (after - 1).clip(0, None)
    take_before = np.abs(times - source_times[before]) <= np.abs(source_times[after] - times) + 1e-9
    return np.where(take_before, before, after).astype(np.int64)


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: Fraction
    n_frames: int
    alpha: bool = False

    @property
    def channels(self) -> int:
        return 4 if self.alpha else 3

    @property
    def duration(self) -> float:
        return float(self.n_frames / self.fps)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.height, self.width, self.channels)


@dataclass(frozen=True)
class AudioInfo:
    sample_rate: int
    channels: int


class Clip(ABC):
    """A lazily evaluated video (and optional audio) stream of known length.

    Subclasses implement :meth:`_frames` and, when they carry audio, :meth:`_audio`. Callers use
    :meth:`frames` and :meth:`audio_samples`, which check ranges and the stream conventions.
    """

    def __init__(self, video: VideoInfo, audio: AudioInfo | None = None, name: str = "clip"):
        if video.width <= 0 or video.height <= 0:
            raise UserError(f"{name}: frame size {video.width}x{video.height} is empty")
        if video.n_frames < 0:
            raise UserError(f"{name}: negative frame count")
        self.video = video
        self.audio = audio
        self.name = name

    # -- what subclasses provide -------------------------------------------------------------
    @abstractmethod
    def _frames(self, start: int, stop: int) -> Iterator[np.ndarray]:
        """Yield frames ``start`` to ``stop - 1``."""

    def _audio(self, start: int, stop: int) -> Iterator[np.ndarray]:
        """Yield audio samples ``start`` to ``stop - 1`` as ``(channels, n)`` float32 chunks."""
        raise NotImplementedError(f"{type(self).__name__} has no audio")

    # -- what callers use ----------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return self.video.n_frames

    @property
    def n_samples(self) -> int:
        if self.audio is None:
            return 0
        return samples_for_frames(self.video.n_frames, self.video.fps, self.audio.sample_rate)

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        start, stop = _check_range(start, stop, self.n_frames, f"{self.name}: frame")
        expected = self.video.shape
        produced = 0
        for frame in self._frames(start, stop):
            if frame.shape != expected or frame.dtype != np.uint8:
                raise RuntimeError(
                    f"{self.name}: frame {start + produced} is {frame.shape} {frame.dtype}, "
                    f"expected {expected} uint8"
                )
            frame.flags.writeable = False
            yield frame
            produced += 1
            if produced == stop - start:
                break
        if produced != stop - start:
            raise RuntimeError(f"{self.name}: produced {produced} frames, expected {stop - start}")

    def audio_samples(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Exactly ``stop - start`` samples of audio; padded with silence if a source runs short."""
        if self.audio is None:
            raise UserError(f"{self.name} has no audio")
        start, stop = _check_range(start, stop, self.n_samples, f"{self.name}: audio sample")
        yield from exact_length(self._audio(start, stop), stop - start, self.audio.channels)

    def frame_at(self, index: int) -> np.ndarray:
        return next(self.frames(index, index + 1))

    def direct_frames(self, start: int, stop: int, target: FrameTarget) -> Iterator | None:
        """Frames as ``target`` asks, straight from a decoder, without a round trip through RGB
        arrays (decoded video passed through untouched, scaled by swscale in the same pass as its
        pixel-format conversion); None when this clip cannot, and the caller uses :meth:`frames`."""
        start, stop = _check_range(start, stop, self.n_frames, f"{self.name}: frame")
        return self._direct_frames(start, stop, target)

    def _direct_frames(self, start: int, stop: int, target: FrameTarget) -> Iterator | None:
        return None

    def encoder_frames(self, start: int, stop: int, target: FrameTarget) -> Iterator:
        """Frames ``start`` .. ``stop`` as ``av.VideoFrame`` objects for an encoder: straight from
        the decoder when this clip can (:meth:`direct_frames`), else its RGB frames converted."""
        direct = self.direct_frames(start, stop, target)
        if direct is not None:
            return direct
        return (media_frames.to_video_frame(array, target) for array in self.frames(start, stop))


def _check_range(start: int, stop: int | None, length: int, what: str) -> tuple[int, int]:
    stop = length if stop is None else stop
    if not 0 <= start <= stop <= length:
        raise UserError(f"{what} range {start}..{stop} is outside 0..{length}")
    return start, stop


# -- audio stream helpers ----------------------------------------------------------------------


def silence(n: int, channels: int) -> Iterator[np.ndarray]:
    while n > 0:
        k = min(n, AUDIO_CHUNK)
        yield np.zeros((channels, k), np.float32)
        n -= k


def exact_length(chunks: Iterable[np.ndarray], total: int, channels: int) -> Iterator[np.ndarray]:
    """Pass through ``total`` samples of ``chunks``: cut the excess, pad a shortfall with silence."""
    remaining = total
    for chunk in chunks:
        if remaining <= 0:
            break
        if chunk.ndim != 2 or chunk.shape[0] != channels:
            raise RuntimeError(f"audio chunk {chunk.shape} does not have {channels} channels")
        chunk = chunk[:, :remaining].astype(np.float32, copy=False)
        for offset in range(0, chunk.shape[1], AUDIO_CHUNK):
            part = chunk[:, offset : offset + AUDIO_CHUNK]
            remaining -= part.shape[1]
            yield part
    yield from silence(remaining, channels)


def skip_samples(chunks: Iterable[np.ndarray], n: int) -> Iterator[np.ndarray]:
    """Drop the first ``n`` samples of a chunk stream."""
    for chunk in chunks:
        if n >= chunk.shape[1]:
            n -= chunk.shape[1]
            continue
        yield chunk[:, n:]
        n = 0


# -- generic clips that ops build on -------------------------------------------------------------


class MapClip(Clip):
    """Frames transformed one at a time by ``fn(frame, index)``; audio passed through untouched.

    ``touched`` (sorted ``(first, last)`` frame ranges) says which frames ``fn`` changes; the others
    are passed along as they are, straight from the decoder where possible (a fade that only
    darkens the ends leaves the middle of the shot in YUV).
    """

    def __init__(
        self,
        source: Clip,
        fn: Callable[[np.ndarray, int], np.ndarray],
        video: VideoInfo | None = None,
        name: str | None = None,
        touched: Sequence[tuple[int, int]] | None = None,
    ):
        video = video or source.video
        if video.n_frames != source.n_frames or video.fps != source.video.fps:
            raise ValueError("MapClip keeps the frame count and rate of its source")
        if touched is not None and (video.width, video.height) != (source.video.width, source.video.height):
            raise ValueError("frames outside `touched` pass through, so the size cannot change")
        super().__init__(video, source.audio, name or source.name)
        self.source = source
        self.fn = fn
        self.touched = touched

    def _segments(self, start: int, stop: int) -> Iterator[tuple[int, int, bool]]:
        """``(lo, hi, mapped)`` covering ``start`` .. ``stop``."""
        ranges = self.touched if self.touched is not None else [(0, self.n_frames)]
        at = start
        for first, last in ranges:
            lo, hi = max(first, at), min(last, stop)
            if lo >= hi:
                continue
            if at < lo:
                yield at, lo, False
            yield lo, hi, True
            at = hi
        if at < stop:
            yield at, stop, False

    def _frames(self, start, stop):
        for lo, hi, mapped in self._segments(start, stop):
            frames = self.source.frames(lo, hi)
            if mapped:
                yield from (self.fn(frame, index) for index, frame in enumerate(frames, lo))
            else:
                yield from frames

    def _direct_frames(self, start, stop, target):
        if self.touched is None or target.pix_fmt is None or target.size is not None:
            return None
        def frames():
            for lo, hi, mapped in self._segments(start, stop):
                if mapped:
                    for index, frame in enumerate(self.source.frames(lo, hi), lo):
                        yield media_frames.to_video_frame(self.fn(frame, index), target)
                else:
                    yield from self.source.encoder_frames(lo, hi, target)

        return frames()

    def _audio(self, start, stop):
        return self.source.audio_samples(start, stop)


class SliceClip(Clip):
    """Frames ``first`` to ``last - 1`` of a source clip, with the matching audio."""

    def __init__(self, source: Clip, first: int, last: int, name: str | None = None):
        _check_range(first, last, source.n_frames, f"{source.name}: trim")
        super().__init__(replace(source.video, n_frames=last - first), source.audio, name or source.name)
        self.source = source
        self.first = first

    def _frames(self, start, stop):
        return self.source.frames(self.first + start, self.first + stop)

    def _direct_frames(self, start, stop, target):
        return self.source.direct_frames(self.first + start, self.first + stop, target)

    def _audio(self, start, stop):
        offset = samples_for_frames(self.first, self.video.fps, self.audio.sample_rate)
        end = min(offset + stop, self.source.n_samples)
        return self.source.audio_samples(min(offset + start, end), end)


class RetimeClip(Clip):
    """Output frame ``k`` is source frame ``index_map[k]``; ``index_map`` must not decrease.

    Used for frame-rate conversion by duplicating and dropping frames. The source is decoded once,
    sequentially, and only the frames needed are kept. Audio keeps its timing: the clip lasts
    ``len(index_map) / fps`` seconds, and the source audio is cut or padded to that.
    """

    def __init__(self, source: Clip, index_map: np.ndarray, fps: Fraction, name: str | None = None):
        index_map = np.asarray(index_map, dtype=np.int64)
        if index_map.size and (np.any(np.diff(index_map) < 0) or index_map[0] < 0 or index_map[-1] >= source.n_frames):
            raise ValueError("index_map must be non-decreasing and inside the source")
        super().__init__(
            replace(source.video, fps=fps, n_frames=int(index_map.size)), source.audio, name or source.name
        )
        self.source = source
        self.index_map = index_map

    def _frames(self, start, stop):
        return self._retimed(start, stop, self.source.frames)

    def _direct_frames(self, start, stop, target):
        if start == stop:
            return iter(())
        first, last = int(self.index_map[start]), int(self.index_map[stop - 1]) + 1
        if self.source.direct_frames(first, last, target) is None:
            return None
        return self._retimed(start, stop, lambda a, b: self.source.direct_frames(a, b, target))

    def _retimed(self, start, stop, read):
        """Frames ``start`` .. ``stop`` of the output, from ``read(first, last)`` of the source."""
        if start == stop:
            return
        wanted = self.index_map[start:stop]
        first, last = int(wanted[0]), int(wanted[-1]) + 1
        source_frames = read(first, last)
        current_index, current = first - 1, None
        for index in wanted:
            while current_index < index:
                current = next(source_frames)
                current_index += 1
            yield current
        source_frames.close()

    def _audio(self, start, stop):
        end = min(stop, self.source.n_samples)
        return self.source.audio_samples(min(start, end), end)


class ConcatClip(Clip):
    """Clips one after another. They must share size, frame rate and alpha; audio is conformed.

    Each part's audio occupies exactly the samples of its frames on the joined timeline, so the
    join never drifts. Parts without audio contribute silence when any part has audio.
    """

    def __init__(self, parts: Sequence[Clip], audio: AudioInfo | None = None, name: str = "concat"):
        if not parts:
            raise UserError("concat needs at least one clip")
        first = parts[0].video
        for part in parts[1:]:
            v = part.video
            if (v.width, v.height, v.fps, v.alpha) != (first.width, first.height, first.fps, first.alpha):
                raise UserError(
                    f"cannot join {part.name} ({v.width}x{v.height} @ {float(v.fps):g} fps) after "
                    f"{parts[0].name} ({first.width}x{first.height} @ {float(first.fps):g} fps): "
                    "conform them first (resize / fps), or let the edit conform them"
                )
        if audio is None:
            audio = next((p.audio for p in parts if p.audio is not None), None)
        total = sum(p.n_frames for p in parts)
        super().__init__(replace(first, n_frames=total), audio, name)
        self.parts = list(parts)
        self.offsets = np.cumsum([0] + [p.n_frames for p in parts])

    def _frames(self, start, stop):
        for part, lo, hi in self._spans(start, stop):
            yield from part.frames(lo, hi)

    def _direct_frames(self, start, stop, target):
        if target.pix_fmt is None or target.size is not None:
            return None  # only encoder frames at the joined size: parts that cannot are converted
        return (frame for part, lo, hi in self._spans(start, stop) for frame in part.encoder_frames(lo, hi, target))

    def _spans(self, start, stop):
        for part, offset in zip(self.parts, self.offsets):
            lo, hi = max(start - offset, 0), min(stop - offset, part.n_frames)
            if lo < hi:
                yield part, int(lo), int(hi)

    def _audio(self, start, stop):
        rate, channels = self.audio.sample_rate, self.audio.channels
        for part, offset in zip(self.parts, self.offsets):
            part_start = samples_for_frames(int(offset), self.video.fps, rate)
            part_stop = samples_for_frames(int(offset) + part.n_frames, self.video.fps, rate)
            lo, hi = max(start, part_start), min(stop, part_stop)
            if lo >= hi:
                continue
            if part.audio is None:
                yield from silence(hi - lo, channels)
                continue
            chunks = conform_audio(part, self.audio)
            yield from exact_length(skip_samples(chunks, lo - part_start), hi - lo, channels)


class FunctionClip(Clip):
    """A clip whose frames come from ``make_frame(index)``: generators, stills, title cards."""

    def __init__(
        self,
        video: VideoInfo,
        make_frame: Callable[[int], np.ndarray],
        audio: AudioInfo | None = None,
        make_audio: Callable[[int, int], Iterator[np.ndarray]] | None = None,
        name: str = "generated",
    ):
        super().__init__(video, audio, name)
        self.make_frame = make_frame
        self.make_audio = make_audio

    def _frames(self, start, stop):
        for index in range(start, stop):
            yield self.make_frame(index)

    def _audio(self, start, stop):
        if self.make_audio is None:
            return silence(stop - start, self.audio.channels)
        return self.make_audio(start, stop)


class WithAudioClip(Clip):
    """A clip's frames with audio from elsewhere: ``make_audio(start, stop)`` or silence."""

    def __init__(
        self,
        source: Clip,
        audio: AudioInfo | None,
        make_audio: Callable[[int, int], Iterator[np.ndarray]] | None = None,
    ):
        super().__init__(source.video, audio, source.name)
        self.source = source
        self.make_audio = make_audio

    def _frames(self, start, stop):
        return self.source.frames(start, stop)

    def _direct_frames(self, start, stop, target):
        return self.source.direct_frames(start, stop, target)

    def _audio(self, start, stop):
        if self.make_audio is None:
            return silence(stop - start, self.audio.channels)
        return self.make_audio(start, stop)


def frame_chunks(clip: Clip, size: int, start: int = 0, stop: int | None = None) -> Iterator[list[np.ndarray]]:
    """Frames in lists of at most ``size``: the bounded chunks batch-oriented backends consume."""
    chunk: list[np.ndarray] = []
    for frame in clip.frames(start, stop):
        chunk.append(frame)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def conform_audio(clip: Clip, target: AudioInfo) -> Iterator[np.ndarray]:
    """All of a clip's audio at the target rate and channel count, exactly the right length."""
    source = clip.audio
    total = samples_for_frames(clip.n_frames, clip.video.fps, target.sample_rate)
    chunks = (remix(c, target.channels) for c in clip.audio_samples())
    chunks = resample_chunks(chunks, source.sample_rate, target.sample_rate)
    return exact_length(chunks, total, target.channels)
