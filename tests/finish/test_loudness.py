"""Loudness: the streaming BS.1770 meter agrees with pyloudnorm, true peak sees inter-sample peaks,
the limiter holds its ceiling, and normalisation lands on the target."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pyloudnorm
import pytest

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
from shotgraph.finish.loudness import LoudnessMeter, TruePeakMeter, limit, measure, normalise


def chunked(audio, size=7000):
    for start in range(0, audio.shape[1], size):
        yield audio[:, start : start + size]


@pytest.mark.parametrize("rate", [48000, 44100])
def test_streaming_meter_matches_pyloudnorm(rng, rate):
    t = np.arange(int(6.3 * rate)) / rate
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 0.3 * t)  # loud and quiet passages: the gates matter
    audio = np.stack([0.2 * rng.standard_normal(t.size) * envelope, 0.1 * np.sin(2 * np.pi * 997 * t)]).astype(np.float32)
    meter = LoudnessMeter(rate, 2)
    for chunk in chunked(audio):
        meter.add(chunk)
    reference = pyloudnorm.Meter(rate).integrated_loudness(audio.T.astype(np.float64))
    assert abs(meter.integrated() - reference) < 0.02


def test_true_peak_sees_between_the_samples():
    rate = 48000
    n = np.arange(rate)
    # a quarter-rate sine sampled 45 degrees off its crests: samples reach 0.707, the wave 1.0
    audio = np.stack([0.5 * np.sin(np.pi / 2 * n + np.pi / 4)]).astype(np.float32)
    peak = TruePeakMeter()
    for chunk in chunked(audio):
        peak.add(chunk)
    assert 20 * np.log10(np.abs(audio).max()) < -8.9
    assert abs(peak.dbtp - 20 * np.log10(0.5)) < 0.3


def test_limiter_holds_the_ceiling_and_leaves_quiet_audio_alone(rng):
    rate = 48000
    t = np.arange(3 * rate) / rate
    loud = np.stack([1.8 * np.sin(2 * np.pi * 440 * t) * (t > 1) + 0.05 * rng.standard_normal(t.size)] * 2)
    out = np.concatenate(list(limit(chunked(loud.astype(np.float32)), 2, rate, loud.shape[1], -1.0)), axis=1)
    assert out.shape == loud.shape
    assert measure(chunked(out), rate, 2).true_peak_dbtp <= -1.0
    np.testing.assert_allclose(out[:, : rate // 2], loud[:, : rate // 2], atol=1e-6)  # under the ceiling: untouched
    loud_part = np.abs(loud[0]) > 0.5
    gain = out[0][loud_part] / loud[0][loud_part]
    assert gain.min() < 0.6 and np.abs(np.diff(gain)).max() < 0.01  # limits hard, but smoothly: no clicks


def test_normalise_lands_on_the_target_and_respects_true_peak():
    rate = 48000
    def make_audio(start, stop):
        t = np.arange(start, stop) / rate
        clicks = (np.sin(2 * np.pi * 3 * t) > 0.9998) * np.sin(2 * np.pi * 1000 * t)  # short loud bursts
        wave = 0.01 * np.sin(2 * np.pi * 220 * t) + 0.9 * clicks
        yield np.stack([wave, wave]).astype(np.float32)
    clip = FunctionClip(VideoInfo(32, 32, Fraction(25), 100), lambda i: np.zeros((32, 32, 3), np.uint8),
                        AudioInfo(rate, 2), make_audio)
    before = measure(clip.audio_samples(), rate, 2)
    out = normalise(clip, -14.0, -1.0)
    after = measure(out.audio_samples(), rate, 2)
    assert before.integrated_lufs < -20 and before.true_peak_dbtp > -2  # needs gain, then limiting
    assert abs(after.integrated_lufs + 14.0) < 0.3
    assert after.true_peak_dbtp <= -1.0
