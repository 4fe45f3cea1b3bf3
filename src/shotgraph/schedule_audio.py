"""Schedules from music: onsets or beats of an audio file, as keyframes users can edit.

The onset strength is the spectral flux of the log-magnitude spectrum (how much louder each of 48
log-spaced bands got since the previous 6 ms), the measure librosa and most beat trackers start
from, computed here with NumPy over the decoded audio in bounded chunks (librosa would add a numba
compile of ~17 s to the first call). Then:

- ``onsets``: peaks of that envelope, at least ``min_gap`` seconds apart and above ``threshold``
  (a fraction of the strongest), each with its strength (0..1);
- ``beats``: the tempo from the envelope's autocorrelation (weighted towards 120 BPM) and the beats
  by dynamic programming (Ellis 2007: beats fall on strong onsets, about one period apart), each
  with the onset strength at the beat.

:func:`pulse_schedule` turns events into ``base + amount * strength`` pulses that decay back to
``base``, written in the schedule syntax (:mod:`shotgraph.schedule`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np

from shotgraph.errors import MediaError, ParamError
from shotgraph.schedule import format_schedule

Detect = Literal["onsets", "beats"]
BANDS = 48
FLOOR_DB = 80.0  # levels more than this below the file's loudest band count as silence
CHUNK_SECONDS = 10
ONSET_LAG = 0.25  # where an onset lies, in hops after sample j*hop (calibrated on clicks: within ±3 ms)


@dataclass(frozen=True)
class Envelope:
    """Onset strength at ``rate`` values per second; value ``j`` describes time ``j / rate + offset``.

    ``values`` (log-spectral flux) finds onsets whatever the level; ``rise`` (the increase in
    amplitude) says how strong each one is.
    """

    values: np.ndarray
    rise: np.ndarray
    rate: float
    offset: float

    def time(self, index: np.ndarray | int) -> np.ndarray | float:
        return np.asarray(index) / self.rate + self.offset

    def strengths(self, indices: np.ndarray) -> np.ndarray:
        """Loudness rise around each index (within 30 ms), relative to the strongest of them."""
        radius = max(1, int(round(0.03 * self.rate)))
        peaks = np.array([self.rise[max(0, i - radius) : i + radius + 1].max() for i in indices], np.float64)
        return peaks / peaks.max() if len(peaks) and peaks.max() > 0 else np.ones(len(indices))


@dataclass(frozen=True)
class Event:
    time: float  # seconds from the start of the analysed span
    strength: float  # 0..1, relative to the strongest


def _band_matrix(n_fft: int, sample_rate: int) -> np.ndarray:
    """(BANDS, bins) averaging matrix over log-spaced bands from 30 Hz to 16 kHz (or Nyquist)."""
    freqs = np.fft.rfftfreq(n_fft, 1 / sample_rate)
    top = min(16000.0, sample_rate / 2)
    edges = np.geomspace(30.0, top, BANDS + 1)
    matrix = np.zeros((BANDS, len(freqs)), np.float32)
    for b in range(BANDS):
        inside = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if not inside.any():  # narrow low bands: take the nearest bin
            inside = np.zeros(len(freqs), bool)
            inside[np.argmin(np.abs(freqs - math.sqrt(edges[b] * edges[b + 1])))] = True
        matrix[b, inside] = 1.0 / inside.sum()
    return matrix


def onset_envelope(path: Path | str, start: float = 0.0, duration: float | None = None) -> Envelope:
    """The onset strength of an audio file's span ``start .. start + duration`` seconds."""
    from shotgraph.media.reader import read_audio_file

    path = Path(path)
    if not path.is_file():
        raise MediaError(f"audio file not found: {path}")
    info, total, read = read_audio_file(path)
    rate = info.sample_rate
    first = int(round(start * rate))
    last = total if duration is None else min(total, first + int(round(duration * rate)))
    if first >= last:
        raise ParamError(f"{path}: nothing to analyse from {start:g}s (the audio lasts {total / rate:.2f}s)")
    n_fft = 1 << max(8, int(round(math.log2(rate * 0.023))))  # ~23 ms windows
    hop = n_fft // 4
    window = np.hanning(n_fft).astype(np.float32)
    bands = _band_matrix(n_fft, rate)
    energies = []
    # Stream: keep the tail that the next chunk's first windows still need.
    carry = np.zeros(n_fft - hop, np.float32)
    position = first
    while position < last:
        stop = min(last, position + CHUNK_SECONDS * rate)
        mono = np.concatenate([c.mean(axis=0) for c in read(position, stop)]).astype(np.float32)
        buffer = np.concatenate([carry, mono])
        count = (len(buffer) - n_fft) // hop + 1
        if count > 0:
            frames = np.lib.stride_tricks.sliding_window_view(buffer, n_fft)[::hop][:count]
            spectrum = np.abs(np.fft.rfft(frames * window, axis=1)).astype(np.float32)
            energies.append(spectrum @ bands.T)
            buffer = buffer[count * hop :]
        carry = buffer
        position = stop
    if not energies:
        raise MediaError(f"{path}: the audio is too short to analyse")
    energy = np.concatenate(energies)
    level = 20 * np.log10(np.maximum(energy, energy.max() * 10 ** (-FLOOR_DB / 20) + 1e-12))
    flux = np.maximum(0.0, np.diff(level, axis=0, prepend=level[:1])).mean(axis=1)
    # how much louder (in amplitude, not decibels) each window got: a hit twice as loud is twice as strong
    rise = np.maximum(0.0, np.diff(energy, axis=0, prepend=energy[:1])).sum(axis=1)
    lead = (n_fft - hop) // hop + 1  # windows reaching into the zeros before the span
    flux[:lead] = 0
    rise[:lead] = 0
    # Window j covers samples j*hop - (n_fft - hop) .. j*hop + hop of the span. A sound raises the
    # flux most as it enters the window's rising flank, about a hop in from the leading edge.
    return Envelope(flux.astype(np.float32), rise.astype(np.float32), rate / hop, ONSET_LAG * hop / rate)


def detect_onsets(envelope: Envelope, threshold: float = 0.2, min_gap: float = 0.1) -> list[Event]:
    """Peaks of the envelope at least ``min_gap`` s apart, above ``threshold`` times the strongest."""
    values = envelope.values
    if values.max() <= 0:
        return []
    strongest = float(values.max())
    radius = max(1, int(round(min_gap * envelope.rate / 2)))
    padded = np.pad(values, radius, mode="constant", constant_values=-1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    local_max = values >= windows.max(axis=1)
    # above the local average too, so a loud sustained passage is not all "onsets"
    average_radius = max(radius, int(round(0.25 * envelope.rate)))
    kernel = np.ones(2 * average_radius + 1) / (2 * average_radius + 1)
    local_mean = np.convolve(values, kernel, mode="same")
    candidates = np.flatnonzero(local_max & (values >= threshold * strongest)
                                & (values >= local_mean + 0.5 * threshold * strongest))
    kept: list[int] = []
    for index in candidates:
        if not kept or envelope.time(index) - envelope.time(kept[-1]) >= min_gap:
            kept.append(int(index))
    strengths = envelope.strengths(np.array(kept, np.int64))
    return [Event(max(0.0, float(envelope.time(i))), float(a)) for i, a in zip(kept, strengths)]


def estimate_tempo(envelope: Envelope, prior_bpm: float = 120.0) -> float:
    """Beats per minute: the autocorrelation peak of the envelope between 40 and 240 BPM, weighted by
    a log-normal prior (one octave wide) around ``prior_bpm`` to settle half/double tempo choices."""
    values = envelope.values - envelope.values.mean()
    n = len(values)
    size = 1 << int(math.ceil(math.log2(2 * n)))
    spectrum = np.fft.rfft(values, size)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum), size)[:n]
    lags = np.arange(n, dtype=np.float64)
    with np.errstate(divide="ignore"):
        bpm = 60.0 * envelope.rate / lags
    usable = (bpm >= 40) & (bpm <= 240)
    if not usable.any():
        raise ParamError("the audio is too short to estimate a tempo (needs a few seconds)")
    weight = np.exp(-0.5 * (np.log2(np.where(usable, bpm, 1.0) / prior_bpm)) ** 2)
    score = np.where(usable, correlation * weight, -np.inf)
    best = int(np.argmax(score))
    # refine the lag to a fraction by a parabola through its neighbours
    if 0 < best < n - 1 and np.isfinite(score[best - 1]) and np.isfinite(score[best + 1]):
        a, b, c = correlation[best - 1], correlation[best], correlation[best + 1]
        denominator = a - 2 * b + c
        if denominator < 0:
            best = best + 0.5 * (a - c) / denominator
    return 60.0 * envelope.rate / best


def track_beats(envelope: Envelope, bpm: float, tightness: float = 100.0) -> list[Event]:
    """Beat times by dynamic programming: maximise onset strength at beats minus a penalty for
    intervals that stray from the beat period (Ellis, "Beat tracking by dynamic programming", 2007)."""
    values = envelope.values / max(float(envelope.values.std()), 1e-9)
    period = 60.0 * envelope.rate / bpm
    n = len(values)
    score = values.astype(np.float64).copy()
    backlink = np.full(n, -1)
    lo_gap, hi_gap = max(1, int(round(period / 2))), int(round(2 * period))
    gaps = np.arange(lo_gap, hi_gap + 1)
    penalty = -tightness * np.log(gaps / period) ** 2
    for j in range(lo_gap, n):
        previous = j - gaps
        ok = previous >= 0
        candidates = score[previous[ok]] + penalty[ok]
        best = int(np.argmax(candidates))
        if candidates[best] > 0:
            score[j] = values[j] + candidates[best]
            backlink[j] = previous[ok][best]
    # end on the best-scoring beat within the last period, then follow the links back
    tail = max(0, n - int(round(period)))
    beat = tail + int(np.argmax(score[tail:]))
    beats = []
    while beat >= 0:
        beats.append(beat)
        beat = backlink[beat]
    beats.reverse()
    # like librosa, drop leading and trailing beats where nothing happens (the path ran on by momentum)
    radius = max(1, int(round(0.03 * envelope.rate)))
    onset = np.array([envelope.values[max(0, b - radius) : b + radius + 1].max() for b in beats])
    weak = onset < 0.2 * np.median(onset)
    first, last = 0, len(beats)
    while first < last and weak[first]:
        first += 1
    while last > first and weak[last - 1]:
        last -= 1
    beats = beats[first:last]
    strengths = envelope.strengths(np.array(beats, np.int64))
    return [Event(max(0.0, float(envelope.time(b))), float(a)) for b, a in zip(beats, strengths)]


def pulse_keys(events: list[Event], fps: Fraction, n_frames: int | None, base: float, amount: float,
               decay: float, use_strength: bool = True) -> list[tuple[int, float]]:
    """Keys for pulses: ``base`` until just before each event, ``base + amount * strength`` at its
    frame, back to ``base`` ``decay`` seconds later (or at the next event)."""
    keys: dict[int, float] = {0: base}
    frames = []
    for event in events:
        frame = int(math.floor(event.time * float(fps) + 0.5))
        if n_frames is not None and frame >= n_frames:
            break
        if not frames or frame > frames[-1][0]:
            frames.append((frame, event.strength))
    decay_frames = max(1, int(round(decay * float(fps))))
    for i, (frame, strength) in enumerate(frames):
        next_frame = frames[i + 1][0] if i + 1 < len(frames) else None
        if frame - 1 > max(keys):
            keys[frame - 1] = base  # hold until the hit, so the pulse starts on its frame
        keys[frame] = base + amount * (strength if use_strength else 1.0)
        end = frame + decay_frames
        if next_frame is None or end < next_frame:
            keys[end] = base
    return sorted(keys.items())


def pulse_schedule(events: list[Event], fps: Fraction, n_frames: int | None, base: float, amount: float,
                   decay: float, use_strength: bool = True, digits: int = 4) -> str:
    """:func:`pulse_keys` written as schedule text."""
    return format_schedule(pulse_keys(events, fps, n_frames, base, amount, decay, use_strength), digits)


def audio_events(path: Path | str, detect: Detect = "onsets", start: float = 0.0, duration: float | None = None,
                 threshold: float = 0.2, min_gap: float = 0.1) -> tuple[list[Event], float | None]:
    """The events of ``path`` (and the tempo, for beats)."""
    envelope = onset_envelope(path, start, duration)
    if detect == "beats":
        bpm = estimate_tempo(envelope)
        return track_beats(envelope, bpm), bpm
    return detect_onsets(envelope, threshold, min_gap), None
