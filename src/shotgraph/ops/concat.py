"""Concat: clips one after another, conformed to one size and frame rate."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import AudioInfo, Clip, ConcatClip
from shotgraph.media.retime import ConformMode, conform
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import ClipRef, Fps


class ConcatParams(BaseModel):
    """As a step, the shot so far comes first, then ``clips``; as a source, just ``clips``."""

    model_config = ConfigDict(extra="forbid")

    clips: list[ClipRef] = Field(min_length=1, description="shots or video assets, in order")
    width: int | None = Field(None, gt=0, description="conform size (default: the first clip's)")
    height: int | None = Field(None, gt=0)
    fps: Fps | None = Field(None, description="conform frame rate (default: the first clip's)")
    fit: ConformMode = Field("pad", description="how clips of another aspect are fitted")


def concat(clips: Sequence[Clip], width: int | None = None, height: int | None = None,
           fps: Fraction | None = None, fit: ConformMode = "pad", audio: AudioInfo | None = None) -> Clip:
    """Join clips, conforming each to the size and rate of the first (or the given ones)."""
    first = clips[0].video
    width, height, fps = width or first.width, height or first.height, fps or first.fps
    return ConcatClip([conform(c, width, height, fps, fit) for c in clips], audio)


@op("concat", version=1, params=ConcatParams, kind=OpKind.ANY,
    summary="Join clips end to end, conforming size and frame rate.", cli_inputs=("clips",))
def _run(inputs, params: ConcatParams, ctx):
    clips = list(inputs) + [ctx.clip(ref) for ref in params.clips]
    return concat(clips, params.width, params.height, params.fps, params.fit)
