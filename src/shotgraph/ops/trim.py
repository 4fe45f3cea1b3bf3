"""Trim: keep a time range of a clip (frame accurate, audio cut on the same boundaries; the work is
:func:`shotgraph.media.retime.trim`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.media.retime import trim
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import TimeValue


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


@op("trim", version=1, params=TrimParams, kind=OpKind.FILTER, summary="Keep a time range (frame accurate).")
def _run(inputs, params: TrimParams, ctx):
    return trim(inputs[0], params.start, params.end, params.duration)
