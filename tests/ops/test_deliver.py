"""Delivery: every preset encodes a file that validates against it (loudness measured on the
decoded file with pyloudnorm), overrides merge over presets, and reframing follows the subject."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pyloudnorm
import pytest
from pydantic import ValidationError
from synthetic import indexed_clip

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
from shotgraph.errors import MediaError, ParamError
from shotgraph.finish.presets import PRESETS
from shotgraph.finish.validate import validate_file
from shotgraph.media import open_video
from shotgraph.media.reader import read_audio_file
from shotgraph.finish.delivery import DeliverParams, EncodedFile, prepare, resolve_delivery
from shotgraph.finish.reframe import reframe


def quiet_source(seconds=0.75, fps=24):
    """A 16:9 clip whose sound sits far from every target (about -32 LUFS)."""
    clip = indexed_clip(round(seconds * fps), fps=Fraction(fps), width=320, height=180)
    rate = 48000

    def make_audio(start, stop):
        t = np.arange(start, stop) / rate
        wave = 0.02 * np.sin(2 * np.pi * 330 * t) * (1 + 0.5 * np.sin(2 * np.pi * 2 * t))
        yield np.stack([wave, 0.8 * wave]).astype(np.float32)

    return FunctionClip(clip.video, clip.make_frame, AudioInfo(rate, 2), make_audio)


def deliver(tmp_path, **params):
    params = DeliverParams.model_validate({"container": PRESETS[params["preset"]].container, **params}
                                          if "preset" in params else params)
    artifact = EncodedFile(prepare(quiet_source(), params), params)
    files = artifact.write(tmp_path, None)
    return tmp_path / files[0], artifact.report


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_delivers_a_file_that_validates(tmp_path, name):
    path, report = deliver(tmp_path, preset=name)
    assert report.ok, report.summary()
    names = {c.name for c in report.checks}
    assert {"container", "video codec", "frame size", "frame rate", "frames", "audio codec"} <= names
    preset = PRESETS[name]
    if preset.gop_seconds:
        assert "keyframe interval" in names
    if preset.loudness is not None:
        # measured independently: decode the delivered file and ask pyloudnorm
        info, total, read = read_audio_file(path)
        audio = np.concatenate(list(read(0, total)), axis=1)
        lufs = pyloudnorm.Meter(info.sample_rate).integrated_loudness(audio.T.astype(np.float64))
        assert abs(lufs - preset.loudness.integrated) <= 1.0, lufs
    assert (tmp_path / "validation.json").is_file()
    clip = open_video(path)
    if preset.width:  # the 16:9 source was padded, or reframed to vertical
        assert (clip.video.width, clip.video.height) == (preset.width, preset.height)
    assert clip.video.fps == (preset.fps or 24)


def test_validation_reports_what_does_not_hold(tmp_path):
    path, _ = deliver(tmp_path, preset="youtube-1080p")
    spec = PRESETS["tiktok"]
    report = validate_file(path, spec, 18, Fraction(30), 1080, 1920, 30, "tiktok")
    failed = {c.name for c in report.failures}
    assert {"frame size", "frame rate", "sample rate"} <= failed
    assert "container" not in failed and "video codec" not in failed
    assert "frame size: expected 1080x1920, got 1920x1080" in report.summary()


def test_overrides_merge_over_the_preset():
    spec = resolve_delivery(DeliverParams.model_validate(
        {"container": "mp4", "preset": "youtube-1080p", "video": {"crf": 23}, "loudness": {"integrated": -16}}))
    assert spec.video.crf == 23 and spec.video.maxrate == "12M" and spec.video.profile == "high"
    assert spec.loudness.integrated == -16 and spec.width == 1920
    with pytest.raises(ParamError, match="writes .mov"):
        resolve_delivery(DeliverParams.model_validate({"container": "mp4", "preset": "prores-master"}))
    with pytest.raises(ValidationError, match="unknown delivery preset 'vimeo'"):  # with the project file
        DeliverParams.model_validate({"preset": "vimeo"})


def test_strict_validation_fails_a_file_that_misses_its_spec(tmp_path, rng):
    # noise cannot be held to 20 kbit/s: x264's rate control overshoots, and the bitrate check says so
    noise = FunctionClip(VideoInfo(320, 180, Fraction(24), 24), lambda i: rng.integers(0, 256, (180, 320, 3), dtype=np.uint8))
    params = DeliverParams.model_validate({"video": {"maxrate": "20k", "bufsize": "20k"}, "audio": {"codec": "none"}})
    with pytest.raises(MediaError, match="video bitrate: expected <= 0.02 Mbit/s"):
        EncodedFile(prepare(noise, params), params).write(tmp_path, None)
    silent = DeliverParams.model_validate({"loudness": {"integrated": -14}, "validate": "strict"})
    quiet = FunctionClip(noise.video, noise.make_frame, AudioInfo(48000, 2),
                         lambda s, e: iter([np.zeros((2, e - s), np.float32)]))
    EncodedFile(prepare(quiet, silent), silent).write(tmp_path, None)  # silence: nothing to normalise, not a failure


def moving_subject_clip(n=72, width=640, height=360):
    rng = np.random.default_rng(0)
    background = (rng.integers(0, 40, (height, width, 3))).astype(np.uint8)

    def frame(i):
        out = background.copy()
        x = int(40 + (width - 120) * i / (n - 1))
        out[150:230, x : x + 60] = 255
        return out

    return FunctionClip(VideoInfo(width, height, Fraction(24), n), frame)


def test_smart_reframe_follows_the_subject_and_centre_crop_does_not():
    clip = moving_subject_clip()
    smart = reframe(clip, "9:16", 108, 192, mode="smart", smoothing=0.2, max_speed=2.0)
    centre = reframe(clip, "9:16", 108, 192, mode="center")
    crop_w = 202  # 360 * 9 / 16, even

    def inside(left, i):
        x = int(40 + (640 - 120) * i / 71) + 30
        return left <= x <= left + crop_w

    assert smart.n_frames == 72 and smart.video.width == 108 and smart.frame_at(0).shape == (192, 108, 3)
    assert np.mean([inside(smart.crop_left[i], i) for i in range(72)]) > 0.9
    assert np.mean([inside(centre.crop_left[i], i) for i in range(72)]) < 0.5
    assert np.abs(np.diff(smart.crop_left)).max() <= 2.0 * 640 / 24 + 1  # slew-limited, no jumps
