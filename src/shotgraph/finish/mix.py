"""Audio mixing on the edit's timeline: placed sources with gain, fades, roles and ducking.

Everything audible in an edit is a :class:`Placed` source: a stream of samples that starts at a
timeline sample, lasts a number of samples and has a gain envelope (gain, fades, crossfades,
ducking). :func:`mix_placed` sums them block by block, pulling each source's samples only while
it plays, so memory stays bounded whatever the length.

Tracks have a role (``dialogue``, ``music``, ``effects``). Ducking lowers music under dialogue:
an analysis pass computes the dialogue's level every 10 ms (a compact envelope, 100 values per
second), and music tracks get a gain curve that dips ahead of speech (attack) and recovers after
it (release). Loudness normalisation and true-peak limiting happen at delivery
(:mod:`shotgraph.finish.loudness`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import AUDIO_CHUNK, AudioInfo, Clip, WithAudioClip, conform_audio, samples_for_frames, silence
from shotgraph.media.reader import read_audio_file
from shotgraph.params import FileRef, TimeValue, time_to_seconds

Role = Literal["dialogue", "music", "effects"]
Envelope = Callable[[np.ndarray], np.ndarray]  # local sample positions -> gains

DUCK_HOP_SECONDS = 0.01


class AudioTrackParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: FileRef = Field(description="audio (or video) asset or path")
    role: Role = Field("music", description="dialogue | music | effects (music ducks under dialogue)")
    gain_db: float = Field(0.0, ge=-96, le=24)
    start: TimeValue = Field(0.0, description="where on the timeline the track begins")
    offset: TimeValue = Field(0.0, description="where in the file to begin")
    duration: TimeValue | None = Field(None, description="how long it plays (default: to its end)")
    fade_in: float = Field(0.0, ge=0, description="seconds")
    fade_out: float = Field(0.0, ge=0, description="seconds, ending where the track or timeline ends")
    loop: bool = Field(False, description="repeat the file to fill the timeline")


class DuckParams(BaseModel):
    """Lower music while dialogue plays."""

    model_config = ConfigDict(extra="forbid")

    amount_db: float = Field(-12.0, le=0, ge=-60, description="music gain while dialogue plays")
    threshold_db: float = Field(-40.0, description="dialogue RMS (dBFS) above which it counts as speech")
    attack: float = Field(0.15, ge=0, description="seconds the music takes to dip, ahead of speech")
    release: float = Field(0.5, ge=0, description="seconds the music takes to come back after speech")


@dataclass
class AudioTrack:
    path: Path
    params: AudioTrackParams


# -- reading samples -----------------------------------------------------------------------------


class SampleReader:
    """Read exactly ``n`` samples at a time from a chunk stream (zeros once it runs dry)."""

    def __init__(self, chunks: Iterator[np.ndarray], channels: int):
        self.chunks = chunks
        self.channels = channels
        self.pending: list[np.ndarray] = []
        self.have = 0

    def read(self, n: int) -> np.ndarray:
        while self.have < n:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.pending.append(chunk)
            self.have += chunk.shape[1]
        if not self.pending:
            return np.zeros((self.channels, n), np.float32)
        joined = np.concatenate(self.pending, axis=1) if len(self.pending) > 1 else self.pending[0]
        if joined.shape[1] < n:
            joined = np.concatenate([joined, np.zeros((self.channels, n - joined.shape[1]), np.float32)], axis=1)
        out, rest = joined[:, :n], joined[:, n:]
        self.pending, self.have = ([rest], rest.shape[1]) if rest.shape[1] else ([], 0)
        return out

    def skip(self, n: int) -> None:
        while n > 0:
            step = min(n, AUDIO_CHUNK)
            self.read(step)
            n -= step


@dataclass
class Placed:
    """A source on the timeline: ``open()`` streams its samples from its own beginning."""

    start: int
    length: int
    open: Callable[[], Iterator[np.ndarray]]
    envelope: Envelope | None = None
    role: Role = "effects"


def fade_envelope(length: int, gain_db: float = 0.0, fade_in: int = 0, fade_out: int = 0,
                  shape: Literal["linear", "equal-power"] = "linear") -> Envelope:
    """Gain with fades at both ends (in samples); equal-power fades keep crossfades level."""
    gain = 10 ** (gain_db / 20)

    def ramp(x: np.ndarray) -> np.ndarray:
        x = np.clip(x, 0.0, 1.0)
        return np.sin(x * np.pi / 2) if shape == "equal-power" else x

    def envelope(positions: np.ndarray) -> np.ndarray:
        values = np.full(positions.shape, gain, np.float64)
        if fade_in:
            values *= ramp((positions + 0.5) / fade_in)
        if fade_out:
            values *= ramp((length - positions - 0.5) / fade_out)
        return values

    return envelope


def mix_placed(sources: Sequence[Placed], channels: int, start: int, stop: int) -> Iterator[np.ndarray]:
    """The sum of ``sources`` over timeline samples ``[start, stop)``, in blocks."""
    readers: dict[int, SampleReader] = {}
    position = start
    while position < stop:
        end = min(stop, position + AUDIO_CHUNK)
        block = np.zeros((channels, end - position), np.float32)
        for index, source in enumerate(sources):
            lo, hi = max(position, source.start), min(end, source.start + source.length)
            if lo >= hi:
                continue
            reader = readers.get(index)
            if reader is None:
                reader = readers[index] = SampleReader(source.open(), channels)
                reader.skip(lo - source.start)
            samples = reader.read(hi - lo)
            if source.envelope is not None:
                local = np.arange(lo - source.start, hi - source.start)
                samples = samples * source.envelope(local).astype(np.float32)
            block[:, lo - position : hi - position] += samples
            if hi == source.start + source.length:
                readers.pop(index, None)
        yield block
        position = end


# -- tracks ----------------------------------------------------------------------------------------


def place_track(track: AudioTrack, info: AudioInfo, total: int, fps: Fraction) -> Placed | None:
    """A music / effects / dialogue file placed on the timeline with its gain and fades."""
    p = track.params
    rate = info.sample_rate
    _, file_total, read = read_audio_file(track.path, info)
    begin = min(round(time_to_seconds(p.start, fps) * rate), total)
    offset = round(time_to_seconds(p.offset, fps) * rate)
    available = max(0, file_total - offset)
    length = total - begin if p.loop else min(available, total - begin)
    if p.duration is not None:
        length = min(length, round(time_to_seconds(p.duration, fps) * rate))
    if length <= 0 or available <= 0:
        return None

    def stream() -> Iterator[np.ndarray]:
        produced = 0
        while produced < length:
            take = min(available, length - produced)
            yield from read(offset, offset + take)
            produced += take

    envelope = fade_envelope(length, p.gain_db, round(p.fade_in * rate), round(p.fade_out * rate))
    return Placed(begin, length, stream, envelope, p.role)


def clip_source(clip: Clip, info: AudioInfo, gain_db: float, role: Role) -> Placed | None:
    """A clip's own audio across the whole timeline."""
    if clip.audio is None:
        return None
    total = samples_for_frames(clip.n_frames, clip.video.fps, info.sample_rate)
    return Placed(0, total, lambda: conform_audio(clip, info), fade_envelope(total, gain_db), role)


# -- ducking ---------------------------------------------------------------------------------------


def _dialogue_levels(dialogue: Sequence[Placed], info: AudioInfo, total: int) -> np.ndarray:
    """RMS (dBFS) of the summed dialogue in 10 ms hops over the timeline."""
    hop = max(1, round(info.sample_rate * DUCK_HOP_SECONDS))
    levels = []
    carry = np.zeros(0, np.float64)
    for block in mix_placed(dialogue, info.channels, 0, total):
        power = np.concatenate([carry, np.mean(block.astype(np.float64) ** 2, axis=0)])
        whole = power.size // hop * hop
        if whole:
            levels.append(power[:whole].reshape(-1, hop).mean(axis=1))
        carry = power[whole:]
    if carry.size:
        levels.append(np.array([carry.mean()]))
    power = np.concatenate(levels) if levels else np.zeros(0)
    return 10 * np.log10(np.maximum(power, 1e-12))


def duck_curve(levels_db: np.ndarray, params: DuckParams) -> np.ndarray:
    """Gain in dB per 10 ms hop: ``amount_db`` while speech plays, ramping down ahead of it
    (attack, computed backwards: the analysis pass can look ahead) and back up after (release)."""
    target = np.where(levels_db > params.threshold_db, params.amount_db, 0.0)
    depth = -params.amount_db or 1.0

    def smooth(values: np.ndarray, seconds: float) -> np.ndarray:
        step = depth * DUCK_HOP_SECONDS / seconds if seconds > 0 else np.inf
        out = np.empty_like(values)
        current = 0.0
        for i, value in enumerate(values):  # slew-limited return towards 0 dB, instant dips
            current = value if value <= current else min(value, current + step)
            out[i] = current
        return out

    release = smooth(target, params.release)
    attack = smooth(target[::-1], params.attack)[::-1]
    return np.minimum(release, attack)


def ducking_envelope(curve_db: np.ndarray, rate: int, start: int, base: Envelope | None) -> Envelope:
    """A per-sample envelope from the 10 ms duck curve (interpolated), times ``base``."""
    hop = rate * DUCK_HOP_SECONDS
    grid = (np.arange(curve_db.size) + 0.5) * hop

    def envelope(positions: np.ndarray) -> np.ndarray:
        gains = 10 ** (np.interp(positions + start, grid, curve_db) / 20)
        return gains * base(positions) if base is not None else gains

    return envelope


def apply_ducking(sources: list[Placed], info: AudioInfo, total: int, params: DuckParams) -> list[Placed]:
    dialogue = [s for s in sources if s.role == "dialogue"]
    if not dialogue or not any(s.role == "music" for s in sources):
        return sources
    curve = duck_curve(_dialogue_levels(dialogue, info, total), params)
    ducked = []
    for source in sources:
        if source.role == "music":
            envelope = ducking_envelope(curve, info.sample_rate, source.start, source.envelope)
            source = Placed(source.start, source.length, source.open, envelope, source.role)
        ducked.append(source)
    return ducked


# -- the clip-level function -----------------------------------------------------------------------


def mix_tracks(
    clip: Clip,
    tracks: Sequence[AudioTrack],
    clip_gain_db: float = 0.0,
    keep_clip_audio: bool = True,
    audio: AudioInfo = AudioInfo(48000, 2),
    clip_role: Role = "dialogue",
    duck: DuckParams | None = None,
) -> Clip:
    """``clip`` with its own audio (at ``clip_gain_db``) and ``tracks`` summed, clipped to [-1, 1].

    With ``duck``, music tracks dip under dialogue (the clip's own audio counts as ``clip_role``).
    """
    fps = clip.video.fps
    total = samples_for_frames(clip.n_frames, fps, audio.sample_rate)
    sources: list[Placed] = []
    if keep_clip_audio:
        own = clip_source(clip, audio, clip_gain_db, clip_role)
        if own is not None:
            sources.append(own)
    sources += [s for s in (place_track(t, audio, total, fps) for t in tracks) if s is not None]
    if duck is not None:
        sources = apply_ducking(sources, audio, total, duck)

    def make_audio(start: int, stop: int) -> Iterator[np.ndarray]:
        if not sources:
            return silence(stop - start, audio.channels)
        return (np.clip(block, -1.0, 1.0) for block in mix_placed(sources, audio.channels, start, stop))

    return WithAudioClip(clip, audio, make_audio)
