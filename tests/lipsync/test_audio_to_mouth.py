"""Speech features and the viseme classifier, on synthetic speech (no face needed)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from talking import speech_like, write_wav

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
from shotgraph.lipsync.speech import HOP, open_speech, speech_features
from shotgraph.lipsync.visemes import VISEMES, mouth_track
from shotgraph.media import write_clip


def test_open_speech_counts_the_exact_length(tmp_path):
    speech = speech_like(2.0, 16000, seed=3)
    write_wav(tmp_path / "a.wav", speech.samples[:31_999], 16000)
    audio = open_speech(tmp_path / "a.wav")
    assert audio.n_samples == 31_999 and audio.info == AudioInfo(16000, 1)
    assert audio.frames_needed(Fraction(25)) == 50  # 1.9999 s: rounded up to whole frames
    assert audio.frames_needed(Fraction(30000, 1001)) == 60
    total = sum(len(c) for c in audio.analysis_samples())
    assert total == 31_999
    # a compressed soundtrack inside a video file: counted by decoding, not from the header
    n = 44100 * 3 // 2
    clip = FunctionClip(VideoInfo(32, 32, Fraction(24), 36), lambda i: np.zeros((32, 32, 3), np.uint8),
                        AudioInfo(44100, 2), lambda s, e: iter([np.full((2, e - s), 0.1, np.float32)]))
    write_clip(clip, tmp_path / "v.mp4")
    assert abs(open_speech(tmp_path / "v.mp4").n_samples - n) <= 1024  # AAC priming/padding at most


def test_features_are_chunking_independent():
    speech = speech_like(1.5, 16000, seed=4)
    whole = speech_features(iter([speech.samples]))
    pieces = speech_features(iter(np.array_split(speech.samples, 17)))
    assert len(whole) == len(speech.samples) // HOP + 1
    for name in ("db", "low", "mid", "front", "high"):
        assert np.allclose(getattr(whole, name), getattr(pieces, name), atol=1e-4)


def test_mouth_follows_energy_closes_in_silence_and_does_not_lag():
    fps = Fraction(25)
    speech = speech_like(6.0, 16000, seed=5)
    track = mouth_track(speech_features(iter([speech.samples])), fps, 150)
    t = (np.arange(150) + 0.5) / 25
    voiced = np.zeros(150, bool)
    for start, end in speech.voiced:
        voiced |= (t >= start) & (t <= end)
    silent = speech.silent_frames(fps, 150, margin=0.1)
    assert track.open[silent].max() < 0.02
    assert np.median(track.open[voiced]) > 0.3
    db = np.array([10 * np.log10(np.mean(speech.samples[int(k / 25 * 16000):int((k + 1) / 25 * 16000)] ** 2) + 1e-10)
                   for k in range(150)])
    energy = np.clip((db - (np.percentile(db, 95) - 40)) / 40, 0, 1)  # what sync-check correlates with
    lags = range(-3, 4)
    scores = [np.corrcoef(np.roll(track.open, -lag), energy)[0, 1] for lag in lags]
    assert max(scores) > 0.75 and lags[int(np.argmax(scores))] == 0  # zero-phase smoothing: no lag
    assert set(np.unique(track.viseme[silent])) == {VISEMES.index("rest")}
    assert len(set(np.unique(track.viseme[voiced]))) >= 2  # vowels of different shapes are told apart


def test_vowel_shapes_differ_in_width():
    from talking import VOWELS, _resonate

    rate = 16000
    n = rate // 2
    pulses = (np.arange(n) % (rate // 120) == 0).astype(float)
    widths = {}
    for name, formants in VOWELS.items():
        sound = sum(_resonate(pulses, f, 70 + 20 * k, rate) * (1.0, 0.5, 0.25)[k] for k, f in enumerate(formants))
        sound = (0.5 * sound / np.abs(sound).max()).astype(np.float32)
        track = mouth_track(speech_features(iter([sound])), Fraction(25), 12)
        widths[name] = float(np.median(track.width[3:9]))
    assert widths["i"] > widths["a"] > widths["u"]  # spread /i/, neutral /a/, rounded /u/
