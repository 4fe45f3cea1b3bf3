"""Encoding settings: which codec, quality and pixel format, validated before any frame is encoded.

These are the user-facing knobs (in deliverables and on the CLI). :func:`plan_encoding` turns them
into the exact PyAV codec names and options, and rejects combinations that cannot work (ProRes in
MP4, odd sizes in 4:2:0, PCM in WebM) with a message saying what to change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.errors import MediaError
from shotgraph.fsutil import user_path

VideoCodecName = Literal["h264", "h265", "av1", "vp9", "prores", "dnxhr", "ffv1", "png", "x264rgb"]
AudioCodecName = Literal["aac", "opus", "mp3", "flac", "pcm_s16le", "pcm_s24le", "pcm_f32le", "none"]


class VideoEncoding(BaseModel):
    """Video encoder settings. Unset fields get each codec's sensible default."""

    model_config = ConfigDict(extra="forbid")

    codec: VideoCodecName = "h264"
    crf: float | None = Field(None, ge=0, le=63, description="constant quality (lower is better)")
    bitrate: str | None = Field(None, description="target bitrate such as 8M; overrides crf")
    maxrate: str | None = None
    bufsize: str | None = None
    preset: str | None = Field(None, description="encoder speed preset (x264/x265 names, SVT-AV1 0-13)")
    tune: str | None = None
    profile: str | None = Field(None, description="h264: high...; prores: proxy|lt|standard|hq|4444|4444xq")
    pix_fmt: str | None = None
    gop: int | None = Field(None, ge=1, description="maximum frames between keyframes")
    full_range: bool = False
    options: dict[str, str] = Field(default_factory=dict, description="extra encoder options")


class AudioEncoding(BaseModel):
    """Audio encoder settings; ``codec: none`` drops the audio."""

    model_config = ConfigDict(extra="forbid")

    codec: AudioCodecName = "aac"
    bitrate: str | None = None
    sample_rate: int | None = Field(None, gt=0)
    channels: int | None = Field(None, ge=1, le=8)


_VIDEO_CODECS = {
    "h264": "libx264", "h265": "libx265", "av1": "libsvtav1", "vp9": "libvpx-vp9",
    "prores": "prores_ks", "dnxhr": "dnxhd", "ffv1": "ffv1", "png": "png", "x264rgb": "libx264rgb",
}
_AUDIO_CODECS = {
    "aac": "aac", "opus": "libopus", "mp3": "libmp3lame", "flac": "flac",
    "pcm_s16le": "pcm_s16le", "pcm_s24le": "pcm_s24le", "pcm_f32le": "pcm_f32le",
}
_DEFAULT_PIX_FMT = {
    "h264": "yuv420p", "h265": "yuv420p", "av1": "yuv420p", "vp9": "yuv420p",
    "prores": "yuv422p10le", "dnxhr": "yuv422p", "ffv1": "yuv444p", "png": "rgb24", "x264rgb": "rgb24",
}
_ALPHA_PIX_FMT = {"prores": "yuva444p10le", "ffv1": "bgra", "png": "rgba", "vp9": "yuva420p"}
_PRORES_PROFILES = {"proxy": "0", "lt": "1", "standard": "2", "hq": "3", "4444": "4", "4444xq": "5"}
_CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm", ".mxf": "mxf",
               ".nut": "nut"}
_ALLOWED = {
    "mp4": ({"h264", "h265", "av1", "vp9"}, {"aac", "opus", "mp3", "flac"}),
    "mov": ({"h264", "h265", "prores", "dnxhr", "png", "x264rgb"}, {"aac", "pcm_s16le", "pcm_s24le", "pcm_f32le", "mp3"}),
    "matroska": (set(_VIDEO_CODECS), set(_AUDIO_CODECS)),
    "nut": (set(_VIDEO_CODECS), set(_AUDIO_CODECS)),  # FFmpeg's own: exact timestamps; intermediates
    "webm": ({"vp9", "av1"}, {"opus"}),
    "mxf": ({"dnxhr", "h264"}, {"pcm_s16le", "pcm_s24le"}),
}
_DEFAULT_AUDIO_BITRATE = {"aac": "192k", "opus": "160k", "mp3": "192k"}


@dataclass
class EncodingPlan:
    """Everything the writer needs, resolved and checked."""

    container_format: str
    video_codec: str
    pix_fmt: str
    video_options: dict[str, str]
    bit_rate: int | None
    gop: int | None
    yuv: bool
    full_range: bool
    audio_codec: str | None
    audio_bit_rate: int | None
    audio_sample_rate: int | None
    audio_channels: int | None
    format_options: dict[str, str] = field(default_factory=dict)


def parse_bitrate(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    value = str(text).strip().lower()
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(value[-1:], 1)
    try:
        return int(float(value.rstrip("kmg")) * scale)
    except ValueError:
        raise MediaError(f"{what}: {text!r} is not a bitrate like 8M or 192k") from None


def container_for(path: Path) -> str:
    container = _CONTAINERS.get(path.suffix.lower())
    if container is None:
        raise MediaError(
            f"{path}: unknown output type {path.suffix or '(none)'}; use one of "
            f"{', '.join(sorted(_CONTAINERS))}, or a folder / %05d.png pattern for PNG frames"
        )
    return container


def plan_encoding(
    path: Path,
    video: VideoEncoding,
    audio: AudioEncoding | None,
    width: int,
    height: int,
    alpha: bool,
    has_audio: bool,
    threads: int = 0,
) -> EncodingPlan:
    container = container_for(path)
    video_ok, audio_ok = _ALLOWED[container]
    if video.codec not in video_ok:
        raise MediaError(
            f"{path}: {video.codec} video cannot go in a {path.suffix} file; "
            f"use {', '.join(sorted(video_ok))}, or another extension"
        )
    audio_codec = None
    if has_audio and audio is not None and audio.codec != "none":
        if audio.codec not in audio_ok:
            raise MediaError(
                f"{path}: {audio.codec} audio cannot go in a {path.suffix} file; use {', '.join(sorted(audio_ok))}"
            )
        audio_codec = _AUDIO_CODECS[audio.codec]

    keep_alpha = alpha and video.codec in _ALPHA_PIX_FMT and (video.codec != "prores" or video.profile in ("4444", "4444xq", None))
    pix_fmt = video.pix_fmt or (_ALPHA_PIX_FMT[video.codec] if keep_alpha else _DEFAULT_PIX_FMT[video.codec])
    _check_size(path, pix_fmt, width, height)

    options: dict[str, str] = {}
    codec = video.codec
    if codec in ("h264", "h265", "x264rgb"):
        crf = video.crf if video.crf is not None else (0 if codec == "x264rgb" else 18 if codec == "h264" else 22)
        if video.bitrate is None:
            options["crf" if codec != "x264rgb" or crf else "qp"] = f"{crf:g}"
        options["preset"] = video.preset or ("ultrafast" if codec == "x264rgb" else "medium")
        if video.tune:
            options["tune"] = video.tune
        if video.profile and codec == "h264":
            options["profile"] = video.profile
        if codec == "h264":
            # x264's macroblock-tree (in the libx264 PyAV ships) reads uninitialised memory: the
            # same frames encode to different bytes from one encode to the next in a process.
            # Off, output is byte-reproducible, at a few percent more bits for the same CRF.
            options["x264-params"] = "mbtree=0"
        if codec == "h265":
            options["x265-params"] = "log-level=error"
            options["tag"] = "hvc1"  # plays in QuickTime / Apple devices
    elif codec == "av1":
        options["crf"] = f"{video.crf if video.crf is not None else 30:g}"
        options["preset"] = video.preset or "8"
        options["svtav1-params"] = "enable-overlays=0"
        # SVT-AV1 prints its whole configuration to stderr at info level; errors are what users need
        os.environ.setdefault("SVT_LOG", "1")
    elif codec == "vp9":
        options["crf"] = f"{video.crf if video.crf is not None else 31:g}"
        options["b"] = "0" if video.bitrate is None else options.get("b", "0")
        options["row-mt"] = "1"
        options["deadline"] = "good"
        options["cpu-used"] = video.preset or "2"
    elif codec == "prores":
        profile = video.profile or ("4444" if keep_alpha else "hq")
        if profile not in _PRORES_PROFILES:
            raise MediaError(f"prores profile {profile!r} is not one of {', '.join(_PRORES_PROFILES)}")
        options["profile"] = _PRORES_PROFILES[profile]
        options["vendor"] = "apl0"
        if not video.pix_fmt and profile in ("4444", "4444xq") and not keep_alpha:
            pix_fmt = "yuv444p10le"
    elif codec == "dnxhr":
        options["profile"] = video.profile or "dnxhr_hq"
    elif codec == "ffv1":
        options.update({"level": "3", "slices": "16", "slicecrc": "1"})
    for key, value in video.options.items():
        if key.endswith("-params") and key in options:  # keep ours, let the user's win on conflicts
            options[key] = f"{options[key]}:{value}"
        else:
            options[key] = str(value)
    if threads:
        options.setdefault("threads", str(threads))

    format_options = {"fflags": "+bitexact"}  # no random IDs or dates: same input, same bytes
    if container in ("mp4", "mov"):
        format_options["movflags"] = "+faststart"
    audio_bit_rate = None
    if audio_codec is not None:
        audio_bit_rate = parse_bitrate(audio.bitrate or _DEFAULT_AUDIO_BITRATE.get(audio.codec), "audio bitrate")
    return EncodingPlan(
        container_format=container,
        video_codec=_VIDEO_CODECS[codec],
        pix_fmt=pix_fmt,
        video_options=options,
        bit_rate=parse_bitrate(video.bitrate, "video bitrate"),
        gop=video.gop,
        yuv=pix_fmt.startswith("yuv"),
        full_range=video.full_range,
        audio_codec=audio_codec,
        audio_bit_rate=audio_bit_rate,
        audio_sample_rate=(audio.sample_rate if audio else None) or (48000 if audio and audio.codec == "opus" else None),
        audio_channels=audio.channels if audio else None,
        format_options=format_options,
    )


def _check_size(path: Path, pix_fmt: str, width: int, height: int) -> None:
    import av

    try:
        fmt = av.VideoFormat(pix_fmt)
    except (ValueError, av.error.FFmpegError):
        raise MediaError(f"unknown pixel format {pix_fmt!r}") from None
    planar_yuv = not fmt.is_rgb and len(fmt.components) > 1
    needs_even_w = planar_yuv and fmt.chroma_width(64) < 64  # horizontally subsampled chroma
    needs_even_h = planar_yuv and fmt.chroma_height(64) < 64
    if (needs_even_w and width % 2) or (needs_even_h and height % 2):
        raise MediaError(
            f"{user_path(path)}: {width}x{height} has an odd side, which {pix_fmt} cannot store; "
            "add a resize step (e.g. width: -2 keeps the aspect with an even size) or use pix_fmt yuv444p"
        )
