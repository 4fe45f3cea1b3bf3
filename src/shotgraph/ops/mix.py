"""Audio tracks mixed under a clip: music and effects placed on the timeline, with gain and fades.

``mix_tracks`` is the building block of the edit's audio; loudness normalisation, ducking and
limiting are separate ops.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import AUDIO_CHUNK, AudioInfo, Clip, WithAudioClip, samples_for_frames, silence
from shotgraph.media.audio import conform_audio, read_audio_file, reblock
from shotgraph.params import FileRef, TimeValue, time_to_seconds


class AudioTrackParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: FileRef = Field(description="audio (or video) asset or path")
    gain_db: float = Field(0.0, ge=-96, le=24)
    start: TimeValue = Field(0.0, description="where on the timeline the track begins")
    offset: TimeValue = Field(0.0, description="where in the file to begin")
    fade_in: float = Field(0.0, ge=0, description="seconds")
    fade_out: float = Field(0.0, ge=0, description="seconds, ending where the track or timeline ends")
    loop: bool = Field(False, description="repeat the file to fill the timeline")


@dataclass
class AudioTrack:
    path: Path
    params: AudioTrackParams


def _track_samples(track: AudioTrack, info: AudioInfo, total: int, fps: Fraction) -> Iterator[np.ndarray]:
    """The track across the whole timeline [0, total): silence outside it, gain and fades applied."""
    p = track.params
    rate = info.sample_rate
    _, file_total, read = read_audio_file(track.path, info)
    begin = min(round(time_to_seconds(p.start, fps) * rate), total)
    offset = round(time_to_seconds(p.offset, fps) * rate)
    available = max(0, file_total - offset)
    length = total - begin if p.loop else min(available, total - begin)
    gain = 10 ** (p.gain_db / 20)
    fade_in, fade_out = round(p.fade_in * rate), round(p.fade_out * rate)

    def body() -> Iterator[np.ndarray]:
        produced = 0
        while produced < length and available > 0:
            take = min(available, length - produced)
            yield from read(offset, offset + take)
            produced += take
            if not p.loop:
                break

    yield from silence(begin, info.channels)
    position = 0
    for chunk in reblock(body(), AUDIO_CHUNK):
        n = chunk.shape[1]
        index = np.arange(position, position + n, dtype=np.float64)
        envelope = np.full(n, gain, np.float64)
        if fade_in:
            envelope *= np.clip(index / fade_in, 0, 1)
        if fade_out:
            envelope *= np.clip((length - index) / fade_out, 0, 1)
        yield (chunk * envelope.astype(np.float32)).astype(np.float32)
        position += n
    yield from silence(total - begin - position, info.channels)


def mix_tracks(
    clip: Clip,
    tracks: Sequence[AudioTrack],
    clip_gain_db: float = 0.0,
    keep_clip_audio: bool = True,
    audio: AudioInfo = AudioInfo(48000, 2),
) -> Clip:
    """``clip`` with its own audio (at ``clip_gain_db``) and ``tracks`` summed, clipped to [-1, 1]."""
    fps = clip.video.fps
    total = samples_for_frames(clip.n_frames, fps, audio.sample_rate)

    def make_audio(start: int, stop: int) -> Iterator[np.ndarray]:
        sources = []
        if keep_clip_audio and clip.audio is not None:
            gain = np.float32(10 ** (clip_gain_db / 20))
            sources.append(c * gain for c in conform_audio(clip, audio))
        sources.extend(_track_samples(track, audio, total, fps) for track in tracks)
        if not sources:
            yield from silence(stop - start, audio.channels)
            return
        position = 0
        for blocks in zip(*(reblock(s, AUDIO_CHUNK) for s in sources)):
            n = blocks[0].shape[1]
            lo, hi = max(start, position), min(stop, position + n)
            if lo < hi:
                mixed = np.sum(blocks, axis=0) if len(blocks) > 1 else blocks[0]
                yield np.clip(mixed[:, lo - position : hi - position], -1.0, 1.0).astype(np.float32)
            position += n
            if position >= stop:
                return

    return WithAudioClip(clip, audio, make_audio)
