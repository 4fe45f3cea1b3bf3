"""Wav2Lip's audio front end: an 80-band log-mel spectrogram of 16 kHz speech, in NumPy.

The standard Wav2Lip hyper-parameters: pre-emphasis 0.97, 800-sample Hann window and FFT, hop
200 (80 columns per second), 80 Slaney-scale mel bands from 55 to 7600 Hz with Slaney area
normalisation, magnitude to dB with a -100 dB floor, minus a 20 dB reference level, then scaled
symmetrically to [-4, 4]. The STFT is centred with reflection at the signal's ends, as librosa's.

:func:`mel_columns` computes any range of columns from just the audio under them, so a long
soundtrack is never held in memory; the result equals the same columns of the whole spectrogram.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 800
HOP = 200
N_MELS = 80
FMIN, FMAX = 55.0, 7600.0
PREEMPHASIS = 0.97
MIN_LEVEL_DB = -100.0
REF_LEVEL_DB = 20.0
MAX_ABS = 4.0
COLUMNS_PER_SECOND = SAMPLE_RATE // HOP  # 80
STEP = 16  # columns the network sees per video frame (0.2 s)


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, linear)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, np.float64)
    linear = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, linear)


def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   fmin: float = FMIN, fmax: float = FMAX) -> np.ndarray:
    """Triangular filters ``(n_mels, 1 + n_fft // 2)`` with Slaney area normalisation."""
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(rising, falling))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


_FILTERS = mel_filterbank()
_WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann


def n_columns(n_samples: int) -> int:
    """Columns of the whole spectrogram of ``n_samples`` samples (centred frames)."""
    return 1 + n_samples // HOP


def _normalise(magnitude: np.ndarray) -> np.ndarray:
    mel = _FILTERS @ magnitude
    db = 20 * np.log10(np.maximum(10 ** (MIN_LEVEL_DB / 20), mel)) - REF_LEVEL_DB
    scaled = 2 * MAX_ABS * (db - MIN_LEVEL_DB) / -MIN_LEVEL_DB - MAX_ABS
    return np.clip(scaled, -MAX_ABS, MAX_ABS).astype(np.float32)


def _reflect(index: np.ndarray, n: int) -> np.ndarray:
    period = 2 * (n - 1)
    index = np.abs(index) % period
    return np.where(index >= n, period - index, index)


def mel_columns(read: Callable[[int, int], Iterator[np.ndarray]], n_samples: int, first: int, last: int) -> np.ndarray:
    """Columns ``first..last-1`` ``(80, last - first)`` of the spectrogram of the whole signal.

    ``read(start, stop)`` yields the 16 kHz mono samples ``start..stop-1`` (as ``(1, n)`` or
    ``(n,)`` chunks); ``n_samples`` is the whole signal's length.
    """
    if last <= first:
        return np.zeros((N_MELS, 0), np.float32)
    n = max(n_samples, N_FFT // 2 + 2)  # reflection needs a few samples; shorter audio is zero-padded
    offsets = (np.arange(first, last)[:, None] * HOP + np.arange(N_FFT)[None, :] - N_FFT // 2)
    source = _reflect(offsets, n)
    lo, hi = int(source.min()), int(source.max()) + 1
    fetch_lo = max(lo - 1, 0)  # pre-emphasis needs the sample before
    stop = min(hi, n_samples)
    chunks = [np.asarray(c, np.float64).reshape(-1) for c in read(fetch_lo, stop)] if stop > fetch_lo else []
    raw = np.concatenate(chunks) if chunks else np.zeros(0)
    raw = np.concatenate([raw, np.zeros(hi - fetch_lo - len(raw))])
    emphasised = raw.copy()
    emphasised[1:] -= PREEMPHASIS * raw[:-1]
    if fetch_lo == lo:  # the signal's first sample: the filter starts from silence
        emphasised[0] = raw[0]
    frames = emphasised[source - fetch_lo] * _WINDOW
    magnitude = np.abs(np.fft.rfft(frames, axis=1)).T
    return _normalise(magnitude)


def frame_window_start(frame: int, fps, n_cols: int) -> int:
    """The first of the 16 columns Wav2Lip pairs with video frame ``frame`` (its inference rule:
    the window starts at the frame's time; past the end, the last 16 columns)."""
    start = int(frame * COLUMNS_PER_SECOND / fps)
    return max(0, min(start, n_cols - STEP))
