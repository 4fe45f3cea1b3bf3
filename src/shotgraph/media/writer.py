"""Writing clips to video files (PyAV) or PNG sequences, streaming and atomically.

Frames are pulled from the clip and converted to the encoder's pixel format on a worker thread
(decoding, op work and swscale release the GIL) while the main thread encodes and muxes, with a
small bounded queue between them: memory stays flat whatever the length. Audio is encoded in step
with the video so the muxer never buffers much. The file appears under its name only when it is
complete.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from shotgraph.background import run_ahead
from shotgraph.clip import AudioInfo, Clip, conform_audio, samples_for_frames
from shotgraph.errors import MediaError
from shotgraph.fsutil import atomic_path, user_path
from shotgraph.media.colour import tag_bt709
from shotgraph.media.encode import AudioEncoding, EncodingPlan, VideoEncoding, plan_encoding
from shotgraph.media.frames import FrameTarget
from shotgraph.media.images import is_image_sequence, write_image_sequence
from shotgraph.media.samples import layout_name, to_av_frame

QUEUE_FRAMES = 8

ProgressCallback = Callable[[int], None]


def write_clip(
    clip: Clip,
    dest: Path | str,
    video: VideoEncoding | None = None,
    audio: AudioEncoding | None = None,
    on_frame: ProgressCallback | None = None,
    threads: int = 0,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Encode ``clip`` to ``dest`` (video file, or PNG frames for a folder / ``%05d`` pattern)."""
    dest = Path(dest)
    if is_image_sequence(dest) or dest.suffix == "":
        return write_image_sequence(clip, dest, on_frame)
    video = video or VideoEncoding()
    audio = audio or AudioEncoding()
    v = clip.video
    plan = plan_encoding(dest, video, audio, v.width, v.height, v.alpha, clip.audio is not None, threads)
    with atomic_path(dest) as temp:
        _encode(clip, temp, plan, on_frame, metadata or {})
    return dest


def _encode(clip: Clip, path: Path, plan: EncodingPlan, on_frame, metadata) -> None:
    fps = clip.video.fps
    try:
        container = av.open(str(path), "w", format=plan.container_format, options=plan.format_options)
    except av.error.FFmpegError as error:
        raise MediaError(f"cannot create {user_path(path)}: {error}") from None
    with container:
        for key, value in metadata.items():
            container.metadata[key] = value
        vstream = add_video_stream(container, plan, clip.video.width, clip.video.height, fps)
        astream, audio_feed = add_audio_stream(container, plan, clip)
        frames = encoder_frames_ahead(clip, plan)

        def mux_video(packets) -> None:
            # x264's lookahead runs on its own thread, so how many packets one encode() call
            # returns depends on timing. Interleaving audio per *packet* (up to its timestamp),
            # not per call, makes the mux order, and so the file's bytes, deterministic.
            for packet in packets:
                container.mux(packet)
                if audio_feed is not None and packet.dts is not None:
                    until = math.floor(max(packet.dts * packet.time_base, 0) * audio_feed.target.sample_rate)
                    container.mux(audio_feed.encode_until(astream, until))

        try:
            time_base = Fraction(1) / fps
            for index, frame in enumerate(frames):
                # frames straight from a decoder carry the source's timestamps: restamp them
                frame.pts, frame.time_base = index, time_base
                mux_video(vstream.encode(frame))
                if on_frame:
                    on_frame(index + 1)
            mux_video(vstream.encode(None))
            if audio_feed is not None:
                container.mux(audio_feed.encode_until(astream, audio_feed.total))
                container.mux(astream.encode(None))
        except av.error.FFmpegError as error:
            raise MediaError(f"encoding {user_path(path).name} failed: {error}") from None
        finally:
            frames.close()


def add_video_stream(container, plan: EncodingPlan, width: int, height: int, fps: Fraction):
    """The output's video stream, set up as ``plan`` says (codec, size, rate, options, bitrate,
    GOP, colour tags): the one set-up for the writer and for smart render's stream-copy joins."""
    vstream = container.add_stream(plan.video_codec, rate=fps)
    vstream.width, vstream.height = width, height
    vstream.pix_fmt = plan.pix_fmt
    vstream.codec_context.time_base = Fraction(1) / fps
    vstream.options = dict(plan.video_options)
    if plan.bit_rate:
        vstream.bit_rate = plan.bit_rate
    if plan.gop:
        vstream.codec_context.gop_size = plan.gop
    if plan.video_codec in ("libx264", "libx265", "libx264rgb", "libsvtav1", "libvpx-vp9"):
        vstream.thread_type = "AUTO"
    if plan.yuv:
        tag_bt709(vstream.codec_context, plan.full_range)
    else:
        vstream.codec_context.color_primaries = 1
        vstream.codec_context.color_trc = 1
        vstream.codec_context.colorspace = 0  # RGB
        vstream.codec_context.color_range = 2
    return vstream


def add_audio_stream(container, plan: EncodingPlan, clip: Clip):
    """``(stream, AudioFeed)`` for the clip's audio in the plan's format, or ``(None, None)``."""
    if not plan.audio_codec or clip.audio is None:
        return None, None
    target = AudioInfo(plan.audio_sample_rate or clip.audio.sample_rate, plan.audio_channels or clip.audio.channels)
    astream = container.add_stream(plan.audio_codec, rate=target.sample_rate)
    astream.layout = layout_name(target.channels)
    if plan.audio_bit_rate:
        astream.bit_rate = plan.audio_bit_rate
    return astream, AudioFeed(clip, target)


def encoder_frames_ahead(clip: Clip, plan: EncodingPlan):
    """The clip's frames as encoder-ready VideoFrames, converted on a background thread while the
    encoder works (a bounded queue: memory stays flat)."""
    target = FrameTarget(plan.pix_fmt, plan.full_range)
    return run_ahead(lambda: clip.encoder_frames(0, clip.n_frames, target), QUEUE_FRAMES, "shotgraph-frames")


class AudioFeed:
    """The clip's audio, conformed to the output format, handed to the encoder in step with video."""

    def __init__(self, clip: Clip, target: AudioInfo):
        self.target = target
        self.total = samples_for_frames(clip.n_frames, clip.video.fps, target.sample_rate)
        self.chunks = conform_audio(clip, target)
        self.sent = 0
        self.pending: np.ndarray | None = None

    def encode_until(self, stream, until: int) -> list:
        """Encode audio up to sample ``until`` (at most the clip's end); return the packets."""
        until = min(until, self.total)
        packets = []
        while self.sent < until:
            if self.pending is None:
                self.pending = next(self.chunks, None)
                if self.pending is None:
                    break
            take = min(until - self.sent, self.pending.shape[1])
            part, rest = self.pending[:, :take], self.pending[:, take:]
            self.pending = rest if rest.shape[1] else None
            packets.extend(stream.encode(to_av_frame(part, self.target.sample_rate, self.sent)))
            self.sent += take
        return packets
