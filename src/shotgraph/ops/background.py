"""Background: replace what is behind the subject with an image, another shot or a colour.

The subject is what ``mask`` covers, or, without a mask, the clip's own alpha (an RGBA cut-out
from ``segment``). The new background is scaled to cover the frame and held or cut to length.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.clip import Clip, FunctionClip, MapClip
from shotgraph.errors import ParamError
from shotgraph.ops.masked import conform_layer, masked
from shotgraph.ops.registry import OpKind, op
from shotgraph.ops.still import still
from shotgraph.params import ClipRef, Colour, FileRef, colour_rgba


class BackgroundParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: FileRef | None = Field(None, description="a still image as the new background")
    clip: ClipRef | None = Field(None, description="a shot or video as the new background")
    colour: Colour | None = Field(None, description="a plain colour as the new background")
    mask: ClipRef | None = Field(None, description="the subject to keep (default: the clip's alpha)")
    feather: float = Field(0.0, ge=0, le=500, description="soft edge width in pixels")
    grow: int = Field(0, ge=-500, le=500, description="grow (>0) or shrink (<0) the subject first, in pixels")

    @model_validator(mode="after")
    def _one_background(self):
        given = [name for name in ("image", "clip", "colour") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of image, clip or colour as the new background")
        return self


def colour_layer(like: Clip, colour: str) -> Clip:
    v = like.video
    frame = np.empty((v.height, v.width, 3), np.uint8)
    frame[:] = colour_rgba(colour)[:3]
    frame.flags.writeable = False
    return FunctionClip(replace(v, alpha=False), lambda _index: frame, name=f"colour {colour}")


def over_background(clip: Clip, layer: Clip, mask: Clip | None = None, feather: float = 0.0, grow_px: int = 0) -> Clip:
    """``clip``'s subject over ``layer``: the subject is ``mask``, else ``clip``'s alpha."""
    layer = conform_layer(layer, clip)
    if mask is not None:
        return masked(clip, mask, layer, "outside", feather, grow_px)
    if not clip.video.alpha:
        raise ParamError(f"background: {clip.name} has no alpha, so say what the subject is with mask: "
                         "(e.g. a segment step's output)")
    flat = MapClip(clip, lambda frame, _i: frame[..., :3].copy(), replace(clip.video, alpha=False))
    return masked(flat, clip, layer, "outside", feather, grow_px)


@op("background", version=1, params=BackgroundParams, kind=OpKind.FILTER,
    summary="Replace the background behind a masked (or RGBA) subject with an image, a shot or a colour.")
def _run(inputs, params: BackgroundParams, ctx):
    clip = inputs[0]
    if params.image is not None:
        layer = still(ctx.file(params.image), duration=clip.video.duration, fps=clip.video.fps)
    elif params.clip is not None:
        layer = ctx.clip(params.clip)
    else:
        layer = colour_layer(clip, params.colour)
    mask = ctx.clip(params.mask) if params.mask is not None else None
    return over_background(clip, layer, mask, params.feather, params.grow)
