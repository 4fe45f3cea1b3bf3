"""Schedules from audio: onsets and beats of synthetic music found where they were placed."""

from __future__ import annotations

import json
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from cli_runner import shotgraph
import yaml

from shotgraph.schedule import parse_schedule
from shotgraph.schedule_audio import audio_events, estimate_tempo, onset_envelope, pulse_keys, pulse_schedule


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def hit(rate: int, frequency: float, amplitude: float, seconds: float = 0.12) -> np.ndarray:
    n = np.arange(int(seconds * rate))
    return (amplitude * np.exp(-n / (0.02 * rate)) * np.sin(2 * np.pi * frequency * n / rate)).astype(np.float32)


def track(path: Path, hits: list[tuple[float, float]], seconds: float, rate: int = 44100, pad: float = 0.02) -> Path:
    """Hits (time, amplitude) over a soft pad chord (so the track is never silent)."""
    t = np.arange(int(seconds * rate)) / rate
    audio = pad * (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 277 * t))
    for at, amplitude in hits:
        sound = hit(rate, 180, amplitude) + hit(rate, 2500, amplitude * 0.5)
        start = int(round(at * rate))
        audio[start : start + len(sound)] += sound[: len(audio) - start]
    return write_wav(path, audio.astype(np.float32), rate)


def test_onsets_are_found_at_their_frames_with_their_strength(tmp_path):
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(0.25, 0.7, 12)) + 0.3
    amplitudes = rng.uniform(0.15, 0.9, 12)
    path = track(tmp_path / "hits.wav", list(zip(times, amplitudes)), float(times[-1] + 1))
    events, _ = audio_events(path, "onsets")
    assert len(events) == len(times)
    found = np.array([e.time for e in events])
    assert np.abs(found - times).max() < 0.012  # well inside a frame at 24 or 30 fps
    strengths = np.array([e.strength for e in events])
    assert strengths.max() == 1.0
    assert np.corrcoef(strengths, amplitudes)[0, 1] > 0.9  # louder hits, stronger pulses


def test_tempo_and_beats_of_a_drum_pattern(tmp_path):
    beat = 0.5  # 120 BPM: kicks on beats, soft hats between
    hits = [(0.25 + k * beat, 0.9 if k % 4 == 0 else 0.6) for k in range(24)]
    hits += [(0.25 + k * beat + beat / 2, 0.15) for k in range(23)]
    path = track(tmp_path / "beat.wav", hits, 12.5)
    envelope = onset_envelope(path)
    assert estimate_tempo(envelope) == pytest.approx(120, abs=1.5)
    events, bpm = audio_events(path, "beats")
    kicks = np.array([0.25 + k * beat for k in range(24)])
    found = np.array([e.time for e in events])
    nearest = np.abs(found[:, None] - kicks[None]).min(axis=1)
    assert len(found) >= 22 and np.median(nearest) < 0.01 and nearest.max() < 0.03


def test_pulses_are_keys_that_rise_on_the_hit_and_decay_to_base(tmp_path):
    path = track(tmp_path / "three.wav", [(0.5, 0.8), (1.5, 0.4), (1.75, 0.8)], 2.5)
    events, _ = audio_events(path)
    text = pulse_schedule(events, Fraction(24), None, base=1.0, amount=0.1, decay=0.25)
    values = parse_schedule(text).values(60, 24)
    for event in events:
        frame = round(event.time * 24)
        assert values[frame] == pytest.approx(1.0 + 0.1 * event.strength, abs=1e-4)
        assert values[frame - 1] == pytest.approx(1.0)  # the pulse starts on its frame
    assert values[12 + 6] == pytest.approx(1.0)  # back at base after the decay
    assert values[41] == pytest.approx(1.0) and values[42] > 1.05  # a decay is cut short by the next hit
    keys = pulse_keys(events, Fraction(24), 30, 0.0, 1.0, 0.25)
    assert max(frame for frame, _ in keys) < 30  # a shot length keeps only what falls inside


def test_cli_from_audio_prints_a_yaml_line_that_parses(tmp_path):
    path = track(tmp_path / "hits.wav", [(0.4, 0.8), (1.2, 0.5), (2.0, 0.9)], 3.0)
    result = shotgraph("schedule", "from-audio", path, "--property", "zoom", "--base", "1.0", "--amount", "0.05",
                       "--fps", "25")
    assert result.returncode == 0, result.stderr
    line = yaml.safe_load(result.stdout)
    schedule = parse_schedule(line["zoom"])
    values = schedule.values(75, 25)
    assert np.isclose(values[[10, 30, 50]], 1.0, atol=1e-9).sum() == 0  # the three hits
    assert values.min() == 1.0 and values.max() == pytest.approx(1.05)
    assert "3 onsets" in result.stderr
    evaluated = shotgraph("schedule", "eval", line["zoom"], "-n", "75", "--fps", "25", "--json")
    assert np.allclose(json.loads(evaluated.stdout), values)


def test_a_missing_audio_file_is_one_clear_error(tmp_path):
    result = shotgraph("schedule", "from-audio", tmp_path / "no.wav")
    assert result.returncode != 0 and "Traceback" not in result.stderr and "not found" in result.stderr
