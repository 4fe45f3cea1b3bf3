"""Loudness (ITU-R BS.1770-4 / EBU R128) measurement, true-peak limiting and normalisation.

Measurement uses pyloudnorm's K-weighting filters and gating exactly (400 ms blocks, 75 % overlap,
-70 LUFS absolute and -10 LU relative gates), but streams: the filters keep their state across
chunks and only the mean square of each 100 ms step is kept (ten numbers a second), so an hour
of audio needs no more memory than a second of it. ``tests/finish/test_loudness.py`` checks it
against ``pyloudnorm.Meter.integrated_loudness`` on the same signal.

True peak is the peak of the signal oversampled 4x (BS.1770 annex 2). The limiter computes, per
sample, the gain that keeps the oversampled peak under the ceiling, takes the minimum over a
look-ahead window and smooths it with a moving average of half that window, so the applied gain
is never above what any sample near it needs and never jumps (no clicks, no overs).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyloudnorm
import scipy.signal
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d

from shotgraph.clip import AUDIO_CHUNK, Clip, WithAudioClip, exact_length, skip_samples

CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L, R, C, Ls, Rs (BS.1770); LFE is not measured
OVERSAMPLE = 4
ABSOLUTE_GATE = -70.0


class LoudnessMeter:
    """Integrated loudness (LUFS) of audio fed in chunks of ``(channels, n)`` float32."""

    def __init__(self, rate: int, channels: int):
        self.rate = rate
        self.channels = channels
        self.stages = [(f.b, f.a, f.passband_gain) for f in pyloudnorm.Meter(rate)._filters.values()]
        self.states = [[scipy.signal.lfilter_zi(b, a) * 0.0 for _ in range(channels)] for b, a, _ in self.stages]
        self.step = round(0.1 * rate)  # 100 ms: a quarter of a gating block
        self.carry = np.zeros((channels, 0))
        self.steps: list[np.ndarray] = []  # per 100 ms step: sum of squares per channel
        self.samples = 0

    def add(self, chunk: np.ndarray) -> None:
        data = chunk.astype(np.float64)
        filtered = np.empty_like(data)
        for ch in range(self.channels):
            x = data[ch]
            for index, (b, a, gain) in enumerate(self.stages):
                x, self.states[index][ch] = scipy.signal.lfilter(b, a, x, zi=self.states[index][ch])
                x = gain * x
            filtered[ch] = x
        self.samples += data.shape[1]
        joined = np.concatenate([self.carry, filtered ** 2], axis=1)
        whole = joined.shape[1] // self.step * self.step
        if whole:
            self.steps.append(joined[:, :whole].reshape(self.channels, -1, self.step).sum(axis=2).T)
        self.carry = joined[:, whole:]

    def integrated(self) -> float:
        """Gated integrated loudness; ``-inf`` for silence or less than one 400 ms block."""
        if not self.steps:
            return float("-inf")
        sums = np.concatenate(self.steps)  # (steps, channels)
        seconds = self.samples / self.rate
        n_blocks = int(np.round((seconds - 0.4) / 0.1)) + 1
        n_blocks = min(n_blocks, sums.shape[0] - 3)
        if n_blocks <= 0:
            return float("-inf")
        block_sums = sum(sums[j : j + n_blocks] for j in range(4))  # four steps make a 400 ms block
        z = block_sums / (0.4 * self.rate)  # mean square per block and channel
        weights = np.array([CHANNEL_WEIGHTS[c] if c < len(CHANNEL_WEIGHTS) else 1.0 for c in range(self.channels)])
        with np.errstate(divide="ignore"):
            block_loudness = -0.691 + 10 * np.log10(z @ weights)
        gated = z[block_loudness >= ABSOLUTE_GATE]
        if gated.size == 0:
            return float("-inf")
        relative = -0.691 + 10 * np.log10(gated.mean(axis=0) @ weights) - 10.0
        final = z[(block_loudness > relative) & (block_loudness > ABSOLUTE_GATE)]
        if final.size == 0:
            return float("-inf")
        return float(-0.691 + 10 * np.log10(final.mean(axis=0) @ weights))


@lru_cache(maxsize=1)
def _oversampling_filter() -> np.ndarray:
    # 48 taps, 4 phases of 12: the interpolator BS.1770-4 annex 2 describes.
    return scipy.signal.firwin(48, 1.0 / OVERSAMPLE, window=("kaiser", 8.0)) * OVERSAMPLE


def oversampled_peaks(block: np.ndarray) -> np.ndarray:
    """Per input sample, the highest absolute value of the 4x oversampled signal near it (all channels)."""
    taps = _oversampling_filter()
    delay = (len(taps) - 1) // 2
    peaks = None
    for channel in block:
        up = np.abs(scipy.signal.upfirdn(taps, channel.astype(np.float64), up=OVERSAMPLE))
        up = maximum_filter1d(up, size=2 * OVERSAMPLE + 1)
        index = np.arange(block.shape[1]) * OVERSAMPLE + delay
        values = up[np.minimum(index, up.size - 1)]
        peaks = values if peaks is None else np.maximum(peaks, values)
    return np.maximum(peaks, np.abs(block).max(axis=0))


class TruePeakMeter:
    """Maximum true peak (dBTP) of audio fed in chunks."""

    def __init__(self):
        self.tail: np.ndarray | None = None
        self.peak = 0.0

    def add(self, chunk: np.ndarray) -> None:
        context = 16
        joined = chunk if self.tail is None else np.concatenate([self.tail, chunk], axis=1)
        if joined.shape[1]:
            self.peak = max(self.peak, float(oversampled_peaks(joined).max()))
        self.tail = joined[:, -context:]

    @property
    def dbtp(self) -> float:
        return 20 * np.log10(self.peak) if self.peak > 0 else float("-inf")


@dataclass
class Measurement:
    integrated_lufs: float
    true_peak_dbtp: float


def measure(chunks: Iterable[np.ndarray], rate: int, channels: int) -> Measurement:
    """Integrated loudness and true peak of a chunk stream, in one pass."""
    meter, peak = LoudnessMeter(rate, channels), TruePeakMeter()
    for chunk in chunks:
        meter.add(chunk)
        peak.add(chunk)
    return Measurement(meter.integrated(), peak.dbtp)


def limit(chunks: Iterable[np.ndarray], channels: int, rate: int, total: int, ceiling_db: float,
          lookahead: float = 0.003) -> Iterator[np.ndarray]:
    """``total`` samples of ``chunks`` with their true peak held under ``ceiling_db``.

    Works on blocks seen through a window reaching ``margin`` samples before and after, so the
    look-ahead needs no state beyond that window.
    """
    from shotgraph.finish.mix import SampleReader

    # 0.1 dB of headroom absorbs the overshoot the gain's own movement adds between samples
    ceiling = 10 ** ((ceiling_db - 0.1) / 20)
    radius = max(2, round(lookahead * rate))
    margin = 3 * radius + 32
    reader = SampleReader(iter(chunks), channels)
    window = np.concatenate([np.zeros((channels, margin), np.float32), reader.read(AUDIO_CHUNK + margin)], axis=1)
    done = 0
    while done < total:
        size = min(AUDIO_CHUNK, total - done)
        peaks = oversampled_peaks(window)
        needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
        gain = minimum_filter1d(needed, size=2 * radius + 1, mode="nearest")
        gain = uniform_filter1d(gain, size=radius + 1, mode="nearest")
        # the average can exceed a sample's need only by float rounding: clamp to be safe
        gain = np.minimum(gain, minimum_filter1d(needed, size=radius + 1, mode="nearest"))
        yield (window[:, margin : margin + size] * gain[margin : margin + size]).astype(np.float32)
        done += size
        window = np.concatenate([window[:, size:], reader.read(size)], axis=1)


def normalise(clip: Clip, target_lufs: float, true_peak_db: float = -1.0, passes: int = 6,
              tolerance: float = 0.2) -> Clip:
    """``clip`` with its sound at ``target_lufs`` integrated and a true peak under ``true_peak_db``.

    The gain comes from a measuring pass; limiting can lower the loudness a little, so the result
    is measured again and the gain corrected (at most ``passes`` measuring passes over the audio,
    which is cheap next to video). Silent clips are unchanged.
    """
    if clip.audio is None:
        return clip
    rate, channels = clip.audio.sample_rate, clip.audio.channels
    total = clip.n_samples
    level = measure(clip.audio_samples(), rate, channels).integrated_lufs
    if not np.isfinite(level):
        return clip
    gain_db = target_lufs - level
    # a little under the ceiling: lossy encoders overshoot the true peak slightly
    ceiling = true_peak_db - 0.3

    def render(gain_db: float, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        gain = np.float32(10 ** (gain_db / 20))
        limited = limit((c * gain for c in clip.audio_samples()), channels, rate, total, ceiling)
        stop = total if stop is None else stop
        return exact_length(skip_samples(limited, start), stop - start, channels)

    # Limiting eats into loud passages, so loudness grows slower than the gain: secant steps on
    # (gain, measured loudness) converge in a few passes where plain correction crawls.
    previous: tuple[float, float] | None = None
    for _ in range(passes):
        achieved = measure(render(gain_db), rate, channels).integrated_lufs
        if abs(achieved - target_lufs) <= tolerance:
            break
        slope = 1.0
        if previous is not None and abs(gain_db - previous[0]) > 1e-3:
            slope = min(1.0, max(0.05, (achieved - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, achieved)
        gain_db += min(24.0, (target_lufs - achieved) / slope)
    return WithAudioClip(clip, clip.audio, lambda start, stop: render(gain_db, start, stop))
