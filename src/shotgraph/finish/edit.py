"""The edit: shots in order with in/out points, transitions, speed changes, freeze frames, title
cards, overlays and picture-in-picture, conformed to one format, with dialogue, music and effects.

This is what a project's ``edit:`` section runs (and ``shotgraph edit EDIT.yaml -o OUT``)::

    edit:
      fade_in: 0.5
      clips:
        - {title: {text: "Night Market", subtitle: "a film by ...", duration: 2.5}}
        - {shot: street, in: 1.0, out: 4.0, transition: {kind: dip-to-black, duration: 0.5}}
        - {shot: vendor, speed: 0.5, transition: {kind: crossfade, duration: 0.75}}
        - {shot: vendor, freeze: 2.0, duration: 1.5}
      overlays:
        - {text: "Taipei, 2026", start: 3, duration: 3, position: bottom-left, box: "#00000099"}
        - {shot: detail, start: 6, duration: 2, position: top-right, width: 0.3}
      audio:
        - {file: music, role: music, gain_db: -6, fade_out: 2}
        - {file: voiceover, role: dialogue, start: 3}
      duck: {amount_db: -12}

Everything streams in one pass: each source is decoded once, in order, and frames flow through
trims, retiming, conforming, transitions and overlays to the output. The ``edit`` op
(:mod:`shotgraph.ops.edit`) runs :func:`edit` on the project's shots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.clip import (AudioInfo, Clip, FunctionClip, MapClip, RetimeClip, WithAudioClip, exact_length,
                            frames_for_seconds, samples_for_frames, skip_samples)
from shotgraph.errors import ParamError, UserError, in_context
from shotgraph.finish.mix import AudioTrack, AudioTrackParams, DuckParams, Role, fade_envelope, mix_tracks
from shotgraph.finish.overlay import OverlaySpec, overlay
from shotgraph.finish.title import TitleSpec, title
from shotgraph.finish.transitions import TransitionSpec, join
from shotgraph.media.retime import ConformMode, conform, trim
from shotgraph.media.samples import resample_chunks
from shotgraph.params import ClipRef, Fps, TimeValue, time_to_frame


class EditClip(BaseModel):
    """One clip of the cut: a shot (or video asset) or a title card."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    shot: ClipRef | None = Field(None, description="shot (or video asset) name")
    title: TitleSpec | None = Field(None, description="a title card instead of a shot")
    in_: TimeValue | None = Field(None, alias="in", description="in point within the shot")
    out: TimeValue | None = Field(None, description="out point within the shot (exclusive)")
    speed: float = Field(1.0, gt=0, le=16, description="playback speed: 0.5 is half speed, 2 double")
    freeze: TimeValue | None = Field(None, description="hold the shot's frame at this time (within the shot)")
    duration: float | None = Field(None, gt=0, description="seconds a freeze frame is held")
    transition: TransitionSpec | None = Field(None, description="into this clip from the one before")
    gain_db: float = Field(0.0, ge=-96, le=24, description="this clip's own sound")
    mute: bool = False

    @model_validator(mode="after")
    def _consistent(self):
        if (self.shot is None) == (self.title is None):
            raise ValueError("an edit clip has either shot or title")
        if self.freeze is not None and self.duration is None:
            raise ValueError("a freeze frame needs a duration (seconds)")
        if self.freeze is None and self.duration is not None and self.title is None:
            raise ValueError("duration is for freeze frames; use in/out to cut a shot")
        if isinstance(self.in_, (int, float)) and isinstance(self.out, (int, float)) and self.out <= self.in_:
            raise ValueError(f"out ({self.out:g} s) must come after in ({self.in_:g} s)")
        return self


class EditParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clips: list[EditClip] = Field(min_length=1)
    overlays: list[OverlaySpec] = Field(default_factory=list, description="text, images, picture-in-picture")
    audio: list[AudioTrackParams] = Field(default_factory=list, description="dialogue / music / effects tracks")
    clip_audio: bool = Field(True, description="keep the shots' own audio")
    clip_gain_db: float = Field(0.0, ge=-96, le=24)
    clip_role: Role = Field("dialogue", description="what the shots' own sound counts as (for ducking)")
    duck: DuckParams | None = Field(None, description="lower music under dialogue")
    fade_in: float = Field(0.0, ge=0, description="seconds from black (and silence) at the start")
    fade_out: float = Field(0.0, ge=0, description="seconds to black (and silence) at the end")
    fps: Fps | None = None
    width: int | None = Field(None, gt=0)
    height: int | None = Field(None, gt=0)
    fit: ConformMode = "pad"
    sample_rate: int = Field(48000, gt=0)
    channels: int = Field(2, ge=1, le=8)

    @model_validator(mode="after")
    def _first_clip_has_no_transition(self):
        first = self.clips[0].transition
        if first is not None and first.kind != "cut":
            raise ValueError("the first clip has nothing to transition from; use fade_in for a fade from black")
        return self


def change_speed(clip: Clip, speed: float) -> Clip:
    """``clip`` played ``speed`` times as fast: frames dropped or repeated, sound varispeed
    (resampled, so pitch follows speed, like tape)."""
    if speed == 1.0:
        return clip
    n_out = max(1, round(clip.n_frames / speed))
    index_map = np.minimum(np.floor(np.arange(n_out) * speed + 1e-9).astype(np.int64), clip.n_frames - 1)
    video = RetimeClip(clip, index_map, clip.video.fps, name=f"{clip.name} x{speed:g}")
    if clip.audio is None:
        return video
    rate = clip.audio.sample_rate

    def make_audio(start: int, stop: int) -> Iterator[np.ndarray]:
        chunks = resample_chunks(clip.audio_samples(), max(1, round(rate * speed)), rate)
        return exact_length(skip_samples(chunks, start), stop - start, clip.audio.channels)

    return WithAudioClip(video, clip.audio, make_audio)


def freeze_frame(clip: Clip, at: float | str, seconds: float) -> Clip:
    """The frame of ``clip`` at ``at`` held for ``seconds`` (silent)."""
    index = time_to_frame(at, clip.video.fps)
    if index >= clip.n_frames:
        raise ParamError(f"freeze at {at} is after the end of {clip.name} ({clip.video.duration:.3f}s)")
    frame = clip.frame_at(index)
    n = max(1, frames_for_seconds(seconds, clip.video.fps))
    return FunctionClip(replace(clip.video, n_frames=n), lambda _index: frame, name=f"{clip.name} freeze@{at}")


def clip_gain(clip: Clip, gain_db: float, mute: bool) -> Clip:
    if clip.audio is None or (gain_db == 0 and not mute):
        return clip
    if mute:
        return WithAudioClip(clip, None)
    gain = np.float32(10 ** (gain_db / 20))
    return WithAudioClip(clip, clip.audio, lambda s, e: (c * gain for c in clip.audio_samples(s, e)))


def fade_ends(clip: Clip, fade_in: float, fade_out: float) -> Clip:
    """Fade picture from / to black and sound from / to silence at the ends."""
    if not fade_in and not fade_out:
        return clip
    fps, n = clip.video.fps, clip.n_frames
    first, last = frames_for_seconds(fade_in, fps), frames_for_seconds(fade_out, fps)

    def level(k: int) -> float:
        value = 1.0
        if first:
            value = min(value, (k + 1) / (first + 1))
        if last:
            value = min(value, (n - k) / (last + 1))
        return value

    def darken(frame: np.ndarray, k: int) -> np.ndarray:
        gain = level(k)
        if gain >= 1.0:
            return frame
        out = frame.astype(np.float32)
        out[..., :3] *= gain
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)

    video = MapClip(clip, darken, touched=[(0, first), (n - last, n)])
    if clip.audio is None:
        return video
    rate = clip.audio.sample_rate
    total = clip.n_samples
    envelope = fade_envelope(total, 0.0, samples_for_frames(first, fps, rate), samples_for_frames(last, fps, rate))

    def make_audio(start: int, stop: int) -> Iterator[np.ndarray]:
        position = start
        for chunk in clip.audio_samples(start, stop):
            gains = envelope(np.arange(position, position + chunk.shape[1])).astype(np.float32)
            yield chunk * gains
            position += chunk.shape[1]

    return WithAudioClip(video, clip.audio, make_audio)


def edit_piece(clip: Clip | None, spec: EditClip, width: int, height: int, fps: Fraction, fit: ConformMode) -> Clip:
    """One clip of the cut, trimmed, retimed and conformed to the edit's format."""
    if spec.title is not None:
        return title(spec.title, width, height, fps)
    if spec.freeze is not None:
        piece = freeze_frame(clip, spec.freeze, spec.duration)
    else:
        piece = clip
        if spec.out is not None and time_to_frame(spec.out, clip.video.fps) > clip.n_frames:
            # as for in points past the end: the shot is shorter than the cut expects
            raise ParamError(f"out {spec.out} is after the end of {clip.name} ({clip.video.duration:.3f} s)")
        if spec.in_ is not None or spec.out is not None:
            piece = trim(piece, spec.in_ or 0.0, spec.out)
        piece = change_speed(piece, spec.speed)
    piece = clip_gain(piece, spec.gain_db, spec.mute)
    return conform(piece, width, height, fps, fit)


def _no_refs(ref: str):
    raise ParamError(f"{ref!r}: this edit cannot resolve references to other clips or files")


def edit(clips: list[Clip | None], params: EditParams, tracks: list[AudioTrack],
         clip_of: Callable[[str], Clip] | None = None, file_of: Callable[[str], Path] | None = None) -> Clip:
    """The cut: ``clips[i]`` is the source of ``params.clips[i]`` (None for title cards).

    ``clip_of`` / ``file_of`` resolve the shots and images that overlays name.
    """
    first = next((c for c in clips if c is not None), None)
    fps = params.fps or (first.video.fps if first else Fraction(24))
    width = params.width or (first.video.width if first else 1920)
    height = params.height or (first.video.height if first else 1080)
    pieces = []
    for number, (clip, spec) in enumerate(zip(clips, params.clips), 1):
        try:
            pieces.append(edit_piece(clip, spec, width, height, fps, params.fit))
        except UserError as error:  # a bad in/out or freeze time: say which clip of the cut
            raise in_context(error, f"edit clip {number} ({spec.shot or 'title'})") from None
    audio = AudioInfo(params.sample_rate, params.channels)
    cut = join(pieces, [spec.transition for spec in params.clips[1:]], audio)
    cut.edit_sources = (list(clips), params)
    if params.overlays:
        cut = overlay(cut, params.overlays, clip_of or _no_refs, file_of or _no_refs)
    mixed = mix_tracks(cut, tracks, params.clip_gain_db, params.clip_audio, audio, params.clip_role, params.duck)
    return fade_ends(mixed, params.fade_in, params.fade_out)
