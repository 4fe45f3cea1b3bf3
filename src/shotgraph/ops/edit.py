"""The edit: shots in order with in/out points, conformed to one format, with music and effects.

This is what a project's ``edit:`` section runs. Each clip is trimmed, conformed to the edit's
size and frame rate, and joined; audio tracks are mixed under the clips' own sound.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import AudioInfo, Clip
from shotgraph.ops.concat import ConformMode, concat
from shotgraph.ops.mix import AudioTrack, AudioTrackParams, mix_tracks
from shotgraph.ops.registry import OpKind, op
from shotgraph.ops.trim import trim
from shotgraph.params import ClipRef, Fps, TimeValue


class EditClip(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    shot: ClipRef = Field(description="shot (or video asset) name")
    in_: TimeValue | None = Field(None, alias="in", description="in point within the shot")
    out: TimeValue | None = Field(None, description="out point within the shot (exclusive)")


class EditParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clips: list[EditClip] = Field(min_length=1)
    audio: list[AudioTrackParams] = Field(default_factory=list, description="music / effects tracks")
    clip_audio: bool = Field(True, description="keep the shots' own audio")
    clip_gain_db: float = Field(0.0, ge=-96, le=24)
    fps: Fps | None = None
    width: int | None = Field(None, gt=0)
    height: int | None = Field(None, gt=0)
    fit: ConformMode = "pad"
    sample_rate: int = Field(48000, gt=0)
    channels: int = Field(2, ge=1, le=8)


def edit(clips: list[Clip], params: EditParams, tracks: list[AudioTrack]) -> Clip:
    """Trim, conform and join ``clips`` (in ``params.clips`` order), then mix the audio tracks."""
    pieces = []
    for clip, spec in zip(clips, params.clips):
        if spec.in_ is not None or spec.out is not None:
            clip = trim(clip, spec.in_ or 0.0, spec.out)
        pieces.append(clip)
    audio = AudioInfo(params.sample_rate, params.channels)
    joined = concat(pieces, params.width, params.height, params.fps, params.fit, audio=audio)
    return mix_tracks(joined, tracks, params.clip_gain_db, params.clip_audio, audio)


@op("edit", version=1, params=EditParams, kind=OpKind.SOURCE, cli=False,
    summary="Shots in order with in/out points, conformed, with audio tracks mixed.",
    project_defaults={"fps": "fps", "width": "width", "height": "height"})
def _run(inputs, params: EditParams, ctx):
    clips = [ctx.clip(spec.shot) for spec in params.clips]
    tracks = [AudioTrack(ctx.file(track.file), track) for track in params.audio]
    return edit(clips, params, tracks)
