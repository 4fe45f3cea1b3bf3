"""Trim: keep a time range of a clip (frame accurate, audio cut on the same boundaries)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.clip import Clip, SliceClip
from shotgraph.errors import ParamError
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import TimeValue, time_to_frame


class TrimParams(BaseModel):
    """Times are seconds (``2.5``), timecodes (``00:01:02.5``) or frame counts (``48f``)."""

    model_config = ConfigDict(extra="forbid")

    start: TimeValue = Field(0.0, description="first kept moment")
    end: TimeValue | None = Field(None, description="where the kept range ends (exclusive)")
    duration: TimeValue | None = Field(None, description="length of the kept range (instead of end)")

    @model_validator(mode="after")
    def _end_or_duration(self):
        if self.end is not None and self.duration is not None:
            raise ValueError("give end or duration, not both")
        return self


def trim(clip: Clip, start: float | str = 0.0, end: float | str | None = None,
         duration: float | str | None = None) -> Clip:
    """Frames from ``start`` up to ``end`` (or for ``duration``), with their audio."""
    fps = clip.video.fps
    first = time_to_frame(start, fps)
    if end is not None:
        last = time_to_frame(end, fps)
    elif duration is not None:
        last = first + time_to_frame(duration, fps)
    else:
        last = clip.n_frames
    if first >= clip.n_frames:
        raise ParamError(f"trim: start {start} is at or after the end of {clip.name} ({clip.video.duration:.3f}s)")
    if last <= first:
        raise ParamError(f"trim: the range {start} .. {end if end is not None else duration} is empty")
    last = min(last, clip.n_frames)
    if (first, last) == (0, clip.n_frames):
        return clip
    return SliceClip(clip, first, last)


@op("trim", version=1, params=TrimParams, kind=OpKind.FILTER, summary="Keep a time range (frame accurate).")
def _run(inputs, params: TrimParams, ctx):
    return trim(inputs[0], params.start, params.end, params.duration)
