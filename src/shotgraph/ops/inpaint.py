"""Inpaint: remove what a mask covers, filling it from its surroundings (OpenCV, per frame).

``telea`` (fast marching) and ``ns`` (Navier-Stokes) are OpenCV's classical methods: good for
wires, logos, blemishes and small objects; large regions come out smeared.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip
from shotgraph.errors import UserError
from shotgraph.masks import THRESHOLD, fit_mask, grow, mask_of
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import ClipRef

_METHODS = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}


class InpaintParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mask: ClipRef = Field(description="what to remove: a shot, asset or file read as a mask")
    method: Literal["telea", "ns"] = Field("telea", description="telea (fast marching) | ns (Navier-Stokes)")
    radius: float = Field(5.0, gt=0, le=100, description="neighbourhood each filled pixel draws from, in pixels")
    grow: int = Field(2, ge=0, le=100, description="grow the mask first (covers soft edges and halos), in pixels")


def inpaint_frame(frame: np.ndarray, mask: np.ndarray, method: str = "telea", radius: float = 5.0) -> np.ndarray:
    """``frame`` with the pixels where ``mask`` >= 128 filled from around them."""
    hole = (mask >= THRESHOLD).astype(np.uint8)
    if not hole.any():
        return frame
    filled = cv2.inpaint(np.ascontiguousarray(frame[..., :3]), hole, radius, _METHODS[method])
    return np.dstack([filled, frame[..., 3]]) if frame.shape[2] == 4 else filled


def inpaint(clip: Clip, mask: Clip, method: str = "telea", radius: float = 5.0, grow_px: int = 2) -> Clip:
    """Fill what ``mask`` covers on every frame of ``clip``."""
    v = clip.video
    if mask.n_frames < clip.n_frames:
        raise UserError(f"the mask {mask.name} has {mask.n_frames} frames, the shot {clip.name} has {clip.n_frames}")

    class InpaintedClip(Clip):
        def _frames(self, start, stop):
            for frame, matte in zip(clip.frames(start, stop), mask.frames(start, stop)):
                hole = grow(fit_mask(mask_of(matte), v.width, v.height), grow_px)
                yield inpaint_frame(frame, hole, method, radius)

        def _audio(self, start, stop):
            return clip.audio_samples(start, stop)

    return InpaintedClip(v, clip.audio, f"{clip.name} inpainted")


@op("inpaint", version=1, params=InpaintParams, kind=OpKind.FILTER, cli_inputs=("mask",),
    summary="Remove what a mask covers, filled from the surroundings (OpenCV Telea / Navier-Stokes).")
def _run(inputs, params: InpaintParams, ctx):
    return inpaint(inputs[0], ctx.clip(params.mask), params.method, params.radius, params.grow)
