"""The ``reframe`` op: crop to another aspect, centred or following the subject
(:mod:`shotgraph.finish.reframe`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shotgraph.finish.reframe import parse_aspect, reframe
from shotgraph.ops.registry import OpKind, op


class ReframeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aspect: str = Field("9:16", description="target aspect, e.g. 9:16, 1:1, 4:5")
    width: int | None = Field(None, gt=0, description="output width (default: the crop's own size)")
    height: int | None = Field(None, gt=0)
    mode: Literal["center", "smart"] = Field("smart", description="center crop, or follow the subject")
    smoothing: float = Field(0.6, ge=0, le=10, description="smart: seconds of smoothing of the camera path")
    max_speed: float = Field(0.5, gt=0, description="smart: most of the frame width the crop may travel per second")

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, value: str) -> str:
        parse_aspect(value)
        return value



@op("reframe", version=1, params=ReframeParams, kind=OpKind.FILTER,
    summary="Crop to another aspect (9:16, 1:1, ...): centred, or following faces / motion / saliency.")
def _run(inputs, params: ReframeParams, ctx):
    return reframe(inputs[0], params.aspect, params.width, params.height, params.mode, params.smoothing,
                   params.max_speed)
