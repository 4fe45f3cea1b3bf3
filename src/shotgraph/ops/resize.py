"""Resize: Lanczos (or another filter) to a size, stretching, fitting, padding or cropping to aspect
(the work is :func:`shotgraph.media.resize.resize`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.errors import ParamError
from shotgraph.media.resize import Filter, FitMode, check_size, resize
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import Colour


class ResizeParams(BaseModel):
    """``width``/``height`` in pixels; ``-1`` derives one from the other keeping the aspect, ``-2``
    does the same and rounds to an even number (what 4:2:0 video needs)."""

    model_config = ConfigDict(extra="forbid")

    width: int | None = Field(None, ge=-2, description="output width; -1/-2 keep aspect (-2: even)")
    height: int | None = Field(None, ge=-2, description="output height; -1/-2 keep aspect (-2: even)")
    mode: FitMode = Field("pad", description="stretch | fit (inside, no bars) | pad (letterbox) | crop (fill)")
    filter: Filter = "lanczos"
    pad_colour: Colour | None = Field(None, description="bars colour (default black; transparent for RGBA)")

    @model_validator(mode="after")
    def _some_size(self):
        try:
            check_size(self.width, self.height)
        except ParamError as error:  # one rule for the op and the Python function, reported as a field error
            raise ValueError(str(error).removeprefix("resize: ")) from None
        return self


@op(
    "resize",
    version=1,
    params=ResizeParams,
    kind=OpKind.FILTER,
    summary="Scale frames (Lanczos by default), stretching, fitting, padding or cropping to aspect.",
)
def _run(inputs, params: ResizeParams, ctx):
    return resize(inputs[0], **params.model_dump())
