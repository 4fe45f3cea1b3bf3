"""Reading video files as constant-frame-rate clips, with correct colour and audio in sync.

Opening a file demuxes its video packets once (no decoding) to learn every frame's timestamp.
From those, output frame ``k`` of the constant-rate clip is the source frame nearest in time to
``k / fps``: constant-rate files map one to one, variable-rate files (phones, screen captures)
get frames repeated or dropped, exactly like FFmpeg's ``fps`` filter. Audio is placed on the
same clock, with time zero at the first video frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import Colorspace

from shotgraph.clip import AudioInfo, Clip, VideoInfo, exact_length, nearest_frame_map, parse_fps
from shotgraph.errors import MediaError
from shotgraph.media.audio import audio_stream_info, decode_audio
from shotgraph.media.colour import ColourTags, decode_conversion, has_alpha, is_rgb_format, tags_of

COMMON_RATES = [Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
                Fraction(48000, 1001), Fraction(48), Fraction(50), Fraction(60000, 1001), Fraction(60), Fraction(100),
                Fraction(120000, 1001), Fraction(120)]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}

# Scaling during decode: swscale's filters adapt their width to the scale factor (no aliasing).
_SWS_FILTERS = {"lanczos": "LANCZOS", "bicubic": "BICUBIC", "bilinear": "BILINEAR", "area": "AREA",
                "nearest": "POINT"}


def open_input(path: Path | str) -> av.container.InputContainer:
    """Open a media file for reading, turning every failure into one clear MediaError."""
    path = Path(path)
    if not path.exists():
        raise MediaError(f"file not found: {path}")
    if path.is_dir():
        raise MediaError(f"{path} is a folder, not a media file")
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise MediaError(f"cannot read {path}: {reason} (corrupt or not a media file?)") from None


def snap_rate(rate: Fraction, tolerance: float) -> Fraction:
    """The common frame rate within ``tolerance`` (relative) of ``rate``, else ``rate`` itself."""
    best = min(COMMON_RATES, key=lambda r: abs(float(r) - float(rate)))
    if abs(float(best) - float(rate)) <= tolerance * float(rate):
        return best
    return rate.limit_denominator(1001)


@dataclass(frozen=True)
class VideoIndex:
    """The demuxed timing of a video stream, in stream ticks."""

    pts: np.ndarray  # sorted presentation timestamps of every frame
    time_base: Fraction
    end_pts: int  # where the last frame ends
    constant_rate: Fraction | None  # the exact rate when frames are evenly spaced

    @property
    def times(self) -> np.ndarray:
        return (self.pts - self.pts[0]).astype(np.float64) * float(self.time_base)

    @property
    def span(self) -> float:
        return float((self.end_pts - int(self.pts[0])) * self.time_base)


def index_video(path: Path, container, stream) -> VideoIndex:
    pts: list[int] = []
    last_duration = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.is_discard:
                continue
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None:  # raw elementary streams: no timestamps at all, use order
                stamp = len(pts)
            pts.append(int(stamp))
            last_duration = int(packet.duration or 0)
    except av.error.FFmpegError as error:
        raise MediaError(f"{path}: damaged after {len(pts)} frames: {error}") from None
    if not pts:
        raise MediaError(f"{path}: the video stream has no frames")
    stamps = np.unique(np.asarray(pts, dtype=np.int64))  # B-frame reordering; duplicates are bogus
    time_base = stream.time_base or Fraction(1, 1)
    diffs = np.diff(stamps)
    constant_rate = None
    if diffs.size:
        typical = float(np.median(diffs))
        tolerance = max(1.5, 0.01 * typical)
        if np.all(np.abs(diffs - typical) <= tolerance):
            rate = 1 / (Fraction(typical).limit_denominator(10**6) * time_base)
            declared = stream.average_rate or stream.guessed_rate
            constant_rate = snap_rate(Fraction(declared) if declared else rate, 0.002)
            if abs(float(constant_rate) - float(rate)) > 0.01 * float(rate):
                constant_rate = snap_rate(rate, 0.002)
    if last_duration <= 0:
        last_duration = int(np.median(diffs)) if diffs.size else max(1, int(1 / (25 * time_base)))
    return VideoIndex(stamps, time_base, int(stamps[-1]) + last_duration, constant_rate)


class VideoFile(Clip):
    """A video file as a constant-frame-rate clip (see the module docstring)."""

    def __init__(
        self,
        path: Path | str,
        fps: Fraction | float | str | None = None,
        audio: bool = True,
        video_stream: int = 0,
        audio_stream: int = 0,
    ):
        self.path = Path(path)
        with open_input(self.path) as container:
            if len(container.streams.video) <= video_stream:
                raise MediaError(f"{self.path} has no video stream" + (f" #{video_stream}" if video_stream else ""))
            stream = container.streams.video[video_stream]
            self.stream_index = video_stream
            first = self._first_frame(container, stream)
            container.seek(0)
            index = index_video(self.path, container, stream)
            frame_tags = ColourTags(int(first.color_primaries), int(first.color_trc),
                                    int(first.colorspace), int(first.color_range))
            self.colour = frame_tags.or_else(tags_of(stream.codec_context))
            self.pix_fmt = first.format.name
            self.rotation = int(first.rotation or 0) % 360
            width, height = first.width, first.height
            audio_streams = container.streams.audio
            audio_info = None
            if audio and len(audio_streams) > audio_stream:
                audio_info = audio_stream_info(audio_streams[audio_stream])
        self.index = index
        self.source_fps = index.constant_rate
        self.variable_rate = index.constant_rate is None
        if fps is not None:
            target = parse_fps(fps)
        elif index.constant_rate is not None:
            target = index.constant_rate
        else:  # variable rate: the common rate nearest the average
            average = Fraction(len(index.pts)) / Fraction(index.span).limit_denominator(10**6)
            target = snap_rate(average, 0.05)
        if index.constant_rate == target:
            n_frames = len(index.pts)
            self.frame_map = np.arange(n_frames, dtype=np.int64)
        else:
            n_frames = max(1, round(index.span * float(target)))
            self.frame_map = nearest_frame_map(index.times, n_frames, target)
        self.origin = float(index.pts[0] * index.time_base)  # seconds: the clip's time zero
        self.audio_stream = audio_stream
        self.conversion = None
        if not is_rgb_format(self.pix_fmt):
            self.conversion = decode_conversion(self.colour, self.pix_fmt, height)
        alpha = has_alpha(self.pix_fmt)
        if self.rotation in (90, 270):
            width, height = height, width
        super().__init__(VideoInfo(width, height, target, n_frames, alpha), audio_info, self.path.name)

    def _first_frame(self, container, stream):
        try:
            for frame in container.decode(stream):
                return frame
        except av.error.FFmpegError as error:
            raise MediaError(f"{self.path}: cannot decode the first frame: {error} (corrupt video?)") from None
        raise MediaError(f"{self.path}: no decodable video frames (corrupt or empty video?)")

    # -- frames ------------------------------------------------------------------------------
    def _to_array(self, frame: av.VideoFrame, size: tuple[int, int] | None = None,
                  interpolation: str = "BICUBIC") -> np.ndarray:
        """RGB(A) pixels of a decoded frame, optionally scaled (in the same swscale pass)."""
        fmt = "rgba" if self.video.alpha else "rgb24"
        width, height = size if size else (None, None)
        if self.rotation in (90, 270) and size:
            width, height = height, width
        if self.conversion is None:
            array = frame.to_ndarray(width=width, height=height, format=fmt, interpolation=interpolation)
        else:
            array = frame.to_ndarray(
                width=width,
                height=height,
                format=fmt,
                src_colorspace=self.conversion.matrix,
                src_color_range=self.conversion.range,
                dst_color_range="JPEG",
                interpolation=interpolation,
            )
        if self.rotation:
            # Display matrices rotate counter-clockwise; np.rot90 with k=1 is counter-clockwise too.
            array = np.ascontiguousarray(np.rot90(array, k=self.rotation // 90))
        return array

    def _decoded(self, first_source: int):
        """Yield ``(source_index, av_frame)`` from ``first_source`` on, seeking when it pays."""
        pts = self.index.pts
        with open_input(self.path) as container:
            stream = container.streams.video[self.stream_index]
            stream.thread_type = "AUTO"
            if first_source > 0:
                container.seek(int(pts[first_source]), stream=stream, backward=True, any_frame=False)
            previous = -1
            try:
                for frame in container.decode(stream):
                    if frame.pts is None:
                        source = previous + 1
                    else:
                        source = int(np.searchsorted(pts, frame.pts, side="right")) - 1
                    previous = source
                    if source >= first_source or source < 0:
                        yield max(source, 0), frame
            except av.error.FFmpegError as error:
                raise MediaError(f"{self.path}: cannot decode frame {previous + 1}: {error}") from None

    def _frames(self, start, stop):
        return self._decode_range(start, stop, lambda frame: self._to_array(frame))

    def _direct_frames(self, start, stop, target):
        interpolation = _SWS_FILTERS.get(target.interpolation, target.interpolation)
        if target.pix_fmt is None:  # RGB arrays, scaled in the YUV->RGB pass
            return self._decode_range(start, stop, lambda f: self._to_array(f, target.size, interpolation))
        if self.rotation or self.video.alpha or target.pix_fmt.startswith(("rgb", "bgr", "gbr")):
            return None
        if self.conversion is not None and self.conversion.matrix != Colorspace.ITU709:
            return None  # swscale does not convert between YUV matrices exactly: go through RGB
        width, height = target.size or (self.video.width, self.video.height)
        options = {"src_colorspace": Colorspace.ITU709, "dst_colorspace": Colorspace.ITU709,
                   "dst_color_range": "JPEG" if target.full_range else "MPEG", "interpolation": interpolation}
        if self.conversion is not None:
            options["src_color_range"] = self.conversion.range

        def convert(frame: av.VideoFrame) -> av.VideoFrame:
            return frame.reformat(width, height, target.pix_fmt, **options)

        return self._decode_range(start, stop, convert)

    def _decode_range(self, start, stop, convert):
        """Output frames ``start`` .. ``stop`` (after the constant-rate mapping), each decoded
        frame passed through ``convert`` once, however many times it repeats."""
        if start == stop:
            return
        wanted = self.frame_map[start:stop]
        decoded = self._decoded(int(wanted[0]))
        current_source, current = -1, None
        pending = next(decoded, None)
        for target in wanted:
            while pending is not None and pending[0] <= target:
                current_source, current_frame = pending
                current = None  # convert lazily: dropped frames are never converted
                pending = next(decoded, None)
            if current_source < 0:
                raise MediaError(f"{self.path}: frame {target} could not be decoded")
            if int(target) - current_source > 2 and pending is None:
                raise MediaError(
                    f"{self.path}: decoding stopped at frame {current_source} of {len(self.index.pts)} "
                    "(file damaged or truncated?)"
                )
            if current is None:
                current = convert(current_frame)
            yield current
        decoded.close()

    # -- audio -------------------------------------------------------------------------------
    def _audio(self, start, stop):
        return decode_audio(self.path, self.audio_stream, self.origin, self.audio, start, stop)


def open_video(path: Path | str, fps=None, audio: bool = True) -> Clip:
    """Open a video file, an image sequence (folder or ``%05d`` / ``*`` pattern) as a clip."""
    from shotgraph.media.images import ImageSequence, is_image_sequence

    if is_image_sequence(path):
        return ImageSequence(path, fps=fps)
    path = Path(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise MediaError(f"{path} is a still image: use the `still` source to make a clip from it")
    return VideoFile(path, fps=fps, audio=audio)


def read_audio_file(path: Path, info: AudioInfo | None = None, stream_index: int = 0):
    """Open an audio-only (or any) file's audio: returns ``(info, total_samples, read(start, stop))``."""
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
