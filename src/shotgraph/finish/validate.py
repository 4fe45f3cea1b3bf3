"""Validation of a delivered file against the spec it was encoded to.

The file is probed (container, codec, profile, pixel format, size, frame count and rate, colour
tags), its video packets are demuxed for the real keyframe interval and bitrate, and its audio
is decoded and measured (integrated loudness, true peak). Every check records what was expected,
what the file holds and whether that holds; the report prints as a table or saves as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from shotgraph.errors import MediaError
from shotgraph.finish.presets import Preset
from shotgraph.media.encode import parse_bitrate
from shotgraph.media.probe import probe

_CODEC_NAMES = {"h264": "h264", "h265": "hevc", "av1": "av1", "vp9": "vp9", "prores": "prores", "dnxhr": "dnxhd",
                "ffv1": "ffv1", "png": "png", "x264rgb": "h264"}
_FORMAT_NAMES = {"mp4": "mp4", "mov": "mov", "mkv": "matroska", "webm": "webm", "mxf": "mxf"}
_AUDIO_NAMES = {"aac": "aac", "opus": "opus", "mp3": "mp3", "flac": "flac", "pcm_s16le": "pcm_s16le",
                "pcm_s24le": "pcm_s24le", "pcm_f32le": "pcm_f32le"}
TRUE_PEAK_SLACK = 0.2  # dB: lossy codecs overshoot a little when decoded


@dataclass
class Check:
    name: str
    expected: str
    actual: str
    ok: bool


@dataclass
class ValidationReport:
    path: str
    preset: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, expected, actual, ok: bool) -> None:
        self.checks.append(Check(name, str(expected), str(actual), bool(ok)))

    def to_json(self) -> str:
        # the file name only: the report must not depend on where the cache lives (replay compares hashes)
        return json.dumps({"file": Path(self.path).name, "preset": self.preset, "ok": self.ok,
                           "checks": [asdict(c) for c in self.checks]}, indent=1)

    def table(self):
        from rich.table import Table

        table = Table("check", "expected", "actual", "", title=f"{Path(self.path).name}"
                      + (f" vs preset {self.preset}" if self.preset else ""))
        for check in self.checks:
            table.add_row(check.name, check.expected, check.actual, "[green]ok[/]" if check.ok else "[red]FAIL[/]")
        return table

    def summary(self) -> str:
        if self.ok:
            return f"{len(self.checks)} checks hold"
        return "; ".join(f"{c.name}: expected {c.expected}, got {c.actual}" for c in self.failures)


def keyframe_stats(path: Path) -> tuple[int, int, float]:
    """Video packets, the longest run of frames between keyframes, and the video bitrate (bit/s)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        keyframes, packets, size = [], 0, 0
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.is_keyframe:
                keyframes.append(packets)
            packets += 1
            size += packet.size
        seconds = float(stream.duration * stream.time_base) if stream.duration else None
        if not seconds and stream.average_rate:
            seconds = packets / float(stream.average_rate)
    gaps = np.diff(keyframes + [packets]) if keyframes else np.array([packets])
    return packets, int(gaps.max()), (size * 8 / seconds if seconds else 0.0)


def validate_file(path: Path | str, spec: Preset, expected_frames: int | None, fps: Fraction,
                  width: int, height: int, gop: int | None, preset: str | None = None) -> ValidationReport:
    """Check ``path`` against ``spec`` (the resolved delivery) and the frame size / rate / count
    the encode was given."""
    path = Path(path)
    info = probe(path)
    if info["video"] is None:
        raise MediaError(f"{path} has no video stream")
    report = ValidationReport(str(path), preset)
    video = info["video"]
    report.add("container", spec.container, info["format"], _FORMAT_NAMES[spec.container] in info["format"].split(","))
    codec = _CODEC_NAMES[spec.video.codec]
    report.add("video codec", codec, video.get("codec"), video.get("codec") == codec)
    if spec.expect_profile:
        report.add("profile", spec.expect_profile, video.get("profile"), video.get("profile") == spec.expect_profile)
    if spec.video.pix_fmt:
        report.add("pixel format", spec.video.pix_fmt, video.get("pix_fmt"), video.get("pix_fmt") == spec.video.pix_fmt)
    report.add("frame size", f"{width}x{height}", f"{video.get('width')}x{video.get('height')}",
               (video.get("width"), video.get("height")) == (width, height))
    rate = video.get("fps") or {}
    report.add("frame rate", f"{fps.numerator}/{fps.denominator} constant",
               f"{rate.get('fraction')}{' variable' if video.get('variable_frame_rate') else ' constant'}",
               rate.get("fraction") and Fraction(rate["fraction"]) == fps and not video.get("variable_frame_rate"))
    if expected_frames is not None:
        report.add("frames", expected_frames, video.get("frames"), video.get("frames") == expected_frames)
    colour = video.get("colour", {})
    if spec.video.codec not in ("png", "x264rgb"):
        want = {"primaries": "bt709", "transfer": "bt709", "matrix": "bt709",
                "range": "pc" if spec.video.full_range else "tv"}
        report.add("colour tags", "/".join(want.values()), "/".join(colour.get(k, "?") for k in want),
                   all(colour.get(k) == v for k, v in want.items()))
    _, longest_gop, bitrate = keyframe_stats(path)
    if gop:
        report.add("keyframe interval", f"<= {gop} frames", f"{longest_gop} frames", longest_gop <= gop)
    maxrate = parse_bitrate(spec.video.maxrate, "maxrate")
    if maxrate:
        report.add("video bitrate", f"<= {maxrate / 1e6:g} Mbit/s", f"{bitrate / 1e6:.2f} Mbit/s", bitrate <= maxrate * 1.05)
    _check_audio(report, info, spec, path)
    return report


def _check_audio(report: ValidationReport, info: dict, spec: Preset, path: Path) -> None:
    wants_audio = spec.audio.codec != "none"
    streams = info["audio"]
    if not wants_audio:
        report.add("audio", "none", f"{len(streams)} stream(s)", not streams)
        return
    if not streams:
        report.add("audio", spec.audio.codec, "no audio stream", spec.loudness is None)
        return
    stream = streams[0]
    codec = _AUDIO_NAMES[spec.audio.codec]
    report.add("audio codec", codec, stream["codec"], stream["codec"] == codec)
    if spec.audio.sample_rate:
        report.add("sample rate", spec.audio.sample_rate, stream["sample_rate"], stream["sample_rate"] == spec.audio.sample_rate)
    if spec.audio.channels:
        report.add("channels", spec.audio.channels, stream["channels"], stream["channels"] == spec.audio.channels)
    if spec.loudness is None:
        return
    from shotgraph.media.reader import read_audio_file

    audio_info, total, read = read_audio_file(path)
    from shotgraph.finish.loudness import measure  # pyloudnorm/scipy: imported when used

    measured = measure(read(0, total), audio_info.sample_rate, audio_info.channels)
    target = spec.loudness
    lufs, tp = measured.integrated_lufs, measured.true_peak_dbtp
    if not np.isfinite(lufs):  # silence (below the -70 LUFS gate) has no loudness to normalise
        report.add("integrated loudness", f"{target.integrated:g} LUFS", "silent", True)
        return
    report.add("integrated loudness", f"{target.integrated:g} ± {target.tolerance:g} LUFS",
               f"{lufs:.2f} LUFS", abs(lufs - target.integrated) <= target.tolerance)
    report.add("true peak", f"<= {target.true_peak:g} dBTP", f"{tp:.2f} dBTP", tp <= target.true_peak + TRUE_PEAK_SLACK)
