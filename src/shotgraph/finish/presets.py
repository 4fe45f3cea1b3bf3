"""Delivery presets: what each platform or archive wants, as complete encoding specs.

A preset fixes the container, codec and profile, pixel format, frame size (and how other aspects
are fitted: padded, centre-cropped or reframed on the subject), frame rate (or keeps the source's),
bitrate or quality, GOP length, colour tags (BT.709, limited range), audio codec / rate / channels
and loudness target. A deliverable names one and overrides any field; after encoding, the file is
probed and every field checked (:mod:`shotgraph.finish.validate`).

Sources: YouTube's recommended upload settings (H.264 High, closed GOP of half the frame rate,
AAC-LC 48 kHz, BT.709; normalised by the platform to about -14 LUFS), Instagram/TikTok vertical
1080x1920 at 30 fps, X's landscape 1920x1080 under 25 Mbit/s, EBU R128 (-23 LUFS, -1 dBTP) for
masters, FFV1 + FLAC for lossless archives.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.errors import ParamError
from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.params import Fps

Container = Literal["mp4", "mov", "mkv", "webm", "mxf"]
Fit = Literal["pad", "crop", "stretch", "smart"]


class LoudnessTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integrated: float = Field(-14.0, ge=-70, le=0, description="target integrated loudness, LUFS")
    true_peak: float = Field(-1.0, ge=-20, le=0, description="maximum true peak, dBTP")
    tolerance: float = Field(1.0, gt=0, le=5, description="how far the delivered file may measure from target, LU")


class Preset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str
    container: Container
    width: int | None = Field(None, description="None keeps the source's size")
    height: int | None = None
    fit: Fit = "pad"
    fps: Fps | None = Field(None, description="None keeps the source's rate")
    gop_seconds: float | None = Field(None, description="keyframe interval; None leaves the encoder's")
    video: VideoEncoding
    audio: AudioEncoding
    loudness: LoudnessTarget | None = None
    expect_profile: str | None = Field(None, description="codec profile the probe must report")


def _h264(crf: float, maxrate: str, bufsize: str, preset: str = "medium") -> VideoEncoding:
    return VideoEncoding(codec="h264", crf=crf, maxrate=maxrate, bufsize=bufsize, preset=preset,
                         profile="high", pix_fmt="yuv420p")


_STREAMING_LOUDNESS = LoudnessTarget(integrated=-14.0, true_peak=-1.0)

PRESETS: dict[str, Preset] = {
    "youtube-1080p": Preset(
        description="YouTube 1080p: H.264 High, half-second closed GOP, AAC 384k 48 kHz, -14 LUFS",
        container="mp4", width=1920, height=1080, fit="pad", gop_seconds=0.5,
        video=_h264(18, "12M", "24M"), audio=AudioEncoding(codec="aac", bitrate="384k", sample_rate=48000, channels=2),
        loudness=_STREAMING_LOUDNESS, expect_profile="High"),
    "youtube-4k": Preset(
        description="YouTube 2160p: H.264 High at up to 45 Mbit/s, half-second GOP, AAC 384k, -14 LUFS",
        container="mp4", width=3840, height=2160, fit="pad", gop_seconds=0.5,
        video=_h264(18, "45M", "90M", "fast"), audio=AudioEncoding(codec="aac", bitrate="384k", sample_rate=48000, channels=2),
        loudness=_STREAMING_LOUDNESS, expect_profile="High"),
    "instagram-reels": Preset(
        description="Instagram Reels: 1080x1920 vertical, 30 fps, H.264 High under 8 Mbit/s, AAC 48 kHz, -14 LUFS",
        container="mp4", width=1080, height=1920, fit="crop", fps=Fraction(30), gop_seconds=1.0,
        video=_h264(20, "8M", "16M"), audio=AudioEncoding(codec="aac", bitrate="192k", sample_rate=48000, channels=2),
        loudness=_STREAMING_LOUDNESS, expect_profile="High"),
    "tiktok": Preset(
        description="TikTok: 1080x1920 vertical, 30 fps, H.264 High under 10 Mbit/s, AAC 44.1 kHz, -14 LUFS",
        container="mp4", width=1080, height=1920, fit="crop", fps=Fraction(30), gop_seconds=1.0,
        video=_h264(20, "10M", "20M"), audio=AudioEncoding(codec="aac", bitrate="192k", sample_rate=44100, channels=2),
        loudness=_STREAMING_LOUDNESS, expect_profile="High"),
    "x-landscape": Preset(
        description="X (Twitter) landscape: 1920x1080, 30 fps, H.264 High under 25 Mbit/s, AAC 48 kHz, -14 LUFS",
        container="mp4", width=1920, height=1080, fit="pad", fps=Fraction(30), gop_seconds=1.0,
        video=_h264(20, "25M", "50M"), audio=AudioEncoding(codec="aac", bitrate="192k", sample_rate=48000, channels=2),
        loudness=_STREAMING_LOUDNESS, expect_profile="High"),
    "prores-master": Preset(
        description="Mastering: ProRes 422 HQ 10-bit, PCM 24-bit 48 kHz, EBU R128 (-23 LUFS, -1 dBTP)",
        container="mov", gop_seconds=None,
        video=VideoEncoding(codec="prores", profile="hq", pix_fmt="yuv422p10le"),
        audio=AudioEncoding(codec="pcm_s24le", sample_rate=48000, channels=2),
        loudness=LoudnessTarget(integrated=-23.0, true_peak=-1.0), expect_profile="HQ"),
    "archive": Preset(
        description="Lossless archive: FFV1 level 3 (4:4:4, intra, slice CRCs) + FLAC 48 kHz; the mix is kept as it is",
        container="mkv", gop_seconds=None,
        video=VideoEncoding(codec="ffv1", pix_fmt="yuv444p", gop=1),
        audio=AudioEncoding(codec="flac", sample_rate=48000, channels=2),
        loudness=None),
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ParamError(f"unknown delivery preset {name!r}; presets: {', '.join(PRESETS)}")
    return PRESETS[name]


def merge_model(base: BaseModel, override: BaseModel | dict | None) -> BaseModel:
    """``base`` with the fields ``override`` explicitly sets (nested models merged the same way)."""
    if override is None:
        return base
    values = override if isinstance(override, dict) else override.model_dump(exclude_unset=True)
    update = {}
    for key, value in values.items():
        current = getattr(base, key, None)
        if isinstance(current, BaseModel) and isinstance(value, dict):
            update[key] = merge_model(current, value)
        else:
            update[key] = value
    return type(base).model_validate({**base.model_dump(), **{k: (v.model_dump() if isinstance(v, BaseModel) else v)
                                                               for k, v in update.items()}})
