"""The driving audio of a lip-sync: its exact length, and spectral features for the mouth.

Any format and rate PyAV reads is accepted (WAV, FLAC, MP3, AAC, Opus, a video's soundtrack). The
output keeps the audio's own rate and channels; analysis runs on a 16 kHz mono copy streamed in
bounded chunks. The length is counted by decoding (container metadata is an estimate for MP3 and
friends), on the same timeline :func:`shotgraph.media.audio.decode_audio` places samples on, so
the output's audio is exactly the input's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from shotgraph.clip import AudioInfo
from shotgraph.errors import MediaError
from shotgraph.media.audio import GAP_TOLERANCE_SECONDS, audio_stream_info
from shotgraph.media.reader import read_audio_file
from shotgraph.media.reader import open_input

ANALYSIS_RATE = 16_000
HOP = 160  # 10 ms between feature frames
WINDOW = 400  # 25 ms analysis window
_FFT = 512
# F1 of close vowels and nasal murmur | F1 of open vowels, F2 of back vowels | F2/F3 of front
# vowels | fricative noise
_BANDS = {"low": (80.0, 600.0), "mid": (600.0, 1500.0), "front": (1500.0, 3500.0), "high": (3500.0, 7500.0)}
SILENCE_DB = -100.0


@dataclass(frozen=True)
class SpeechFile:
    """An audio (or any media) file's first audio stream, with its exact decoded length."""

    path: Path
    info: AudioInfo  # the stream's own rate and channels
    n_samples: int
    origin: float  # seconds: the stream's time zero

    @property
    def seconds(self) -> float:
        return self.n_samples / self.info.sample_rate

    def frames_needed(self, fps: Fraction) -> int:
        """Video frames covering the whole audio: its length rounded *up* to a whole frame."""
        return max(1, math.ceil(Fraction(self.n_samples) * fps / self.info.sample_rate))

    def reader(self, info: AudioInfo | None = None):
        """``read(start, stop)`` over the file's audio at ``info`` (default: its own format)."""
        return read_audio_file(self.path, info or self.info)[2]

    def analysis_samples(self) -> Iterator[np.ndarray]:
        """The whole audio as 16 kHz mono float32 chunks, exactly as long as the file."""
        total = round(self.n_samples * ANALYSIS_RATE / self.info.sample_rate)
        for chunk in self.reader(AudioInfo(ANALYSIS_RATE, 1))(0, total):
            yield chunk[0]


def open_speech(path: Path | str) -> SpeechFile:
    """Open ``path``'s audio and count its samples by decoding it once (bounded memory)."""
    path = Path(path)
    with open_input(path) as container:
        if not container.streams.audio:
            raise MediaError(f"{path} has no audio stream to lip-sync to")
        stream = container.streams.audio[0]
        info = audio_stream_info(stream)
        rate = info.sample_rate
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        cursor: int | None = None
        end = 0
        try:
            for frame in container.decode(stream):
                if frame.pts is not None:
                    placed = round((float(frame.pts * stream.time_base) - origin) * rate)
                    if cursor is None or abs(placed - cursor) > GAP_TOLERANCE_SECONDS * rate:
                        cursor = placed
                cursor = (cursor or 0) + round(frame.samples * rate / (frame.sample_rate or rate))
                end = max(end, cursor)
        except av.error.FFmpegError as error:
            raise MediaError(f"{path}: cannot decode its audio: {error}") from None
    if end <= 0:
        raise MediaError(f"{path}: the audio stream holds no samples")
    return SpeechFile(path, info, end, origin)


# -- features ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechFeatures:
    """Per-hop (10 ms) features of 16 kHz mono audio; hop ``j`` is centred on ``j * HOP`` samples."""

    db: np.ndarray  # window energy, dB re full scale
    low: np.ndarray  # fraction of the 80-7500 Hz energy in 80-600 Hz
    mid: np.ndarray  # ... in 600-1500 Hz
    front: np.ndarray  # ... in 1500-3500 Hz
    high: np.ndarray  # ... in 3500-7500 Hz

    @property
    def hop_seconds(self) -> float:
        return HOP / ANALYSIS_RATE

    def __len__(self) -> int:
        return len(self.db)


def _frame_features(frames: np.ndarray) -> dict[str, np.ndarray]:
    window = np.hanning(WINDOW + 1)[:-1].astype(np.float32)  # periodic Hann
    windowed = frames * window
    power_time = (windowed**2).sum(axis=1) / float((window**2).sum())
    spectrum = np.abs(np.fft.rfft(windowed, n=_FFT, axis=1)) ** 2
    freqs = np.fft.rfftfreq(_FFT, 1 / ANALYSIS_RATE)
    band_power = {name: spectrum[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) for name, lo, hi in
                  ((n, *r) for n, r in _BANDS.items())}
    total = sum(band_power.values()) + 1e-12
    return {"db": 10 * np.log10(power_time + 1e-10), **{name: power / total for name, power in band_power.items()}}


def speech_features(samples: Iterator[np.ndarray]) -> SpeechFeatures:
    """Features of a 16 kHz mono stream, computed chunk by chunk (only the feature rows are kept)."""
    half = WINDOW // 2
    pending = np.zeros(half, np.float32)  # centre the first window on sample 0
    parts: list[dict[str, np.ndarray]] = []

    def consume(buffer: np.ndarray) -> np.ndarray:
        n = (len(buffer) - WINDOW) // HOP + 1
        if n <= 0:
            return buffer
        frames = np.lib.stride_tricks.sliding_window_view(buffer, WINDOW)[: n * HOP : HOP]
        parts.append(_frame_features(frames.astype(np.float32)))
        return buffer[n * HOP :]

    total = 0
    for chunk in samples:
        total += len(chunk)
        pending = consume(np.concatenate([pending, chunk.astype(np.float32)]))
    n_hops = total // HOP + 1  # one feature row per hop over the whole signal
    done = sum(len(p["db"]) for p in parts)
    if done < n_hops:
        needed = (n_hops - done - 1) * HOP + WINDOW - len(pending)
        consume(np.concatenate([pending, np.zeros(max(needed, 0), np.float32)]))
    columns = {key: np.concatenate([p[key] for p in parts])[:n_hops] if parts else np.zeros(0)
               for key in ("db", *_BANDS)}
    return SpeechFeatures(**{k: v.astype(np.float32) for k, v in columns.items()})


def frame_energy_db(samples: Iterator[np.ndarray], rate: int, fps: Fraction, n_frames: int) -> np.ndarray:
    """Mean energy (dB) of the audio under each video frame ``[k/fps, (k+1)/fps)``.

    Used to measure sync: energy per frame, aligned with the frames exactly as the clip model
    aligns samples (frame ``k`` starts at sample ``round(k * rate / fps)``).
    """
    from shotgraph.clip import samples_for_frames

    bounds = [samples_for_frames(k, fps, rate) for k in range(n_frames + 1)]
    energy = np.zeros(n_frames, np.float64)
    counts = np.zeros(n_frames, np.int64)
    position = 0
    frame = 0
    for chunk in samples:
        squares = chunk.astype(np.float64) ** 2
        offset = 0
        while offset < len(squares) and frame < n_frames:
            take = min(bounds[frame + 1] - position, len(squares) - offset)
            energy[frame] += squares[offset : offset + take].sum()
            counts[frame] += take
            offset += take
            position += take
            if position >= bounds[frame + 1]:
                frame += 1
        if frame >= n_frames:
            break
    return 10 * np.log10(energy / np.maximum(counts, 1) + 1e-10)
