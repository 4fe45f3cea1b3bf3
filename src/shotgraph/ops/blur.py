"""Blur: soften or hide detail (Gaussian, box, or pixelate), e.g. inside a mask with ``masked``."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip, MapClip
from shotgraph.ops.registry import OpKind, op

BlurMethod = Literal["gaussian", "box", "pixelate"]


class BlurParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    radius: float = Field(8.0, gt=0, le=500, description="gaussian: sigma; box: half width; pixelate: block size, in pixels")
    method: BlurMethod = Field("gaussian", description="gaussian | box | pixelate (mosaic, for hiding faces and plates)")


def blur_frame(frame: np.ndarray, radius: float, method: BlurMethod = "gaussian") -> np.ndarray:
    if method == "gaussian":
        return cv2.GaussianBlur(frame, (0, 0), sigmaX=radius, sigmaY=radius)
    if method == "box":
        size = 2 * int(round(radius)) + 1
        return cv2.blur(frame, (size, size))
    height, width = frame.shape[:2]
    block = max(1, int(round(radius)))
    small = cv2.resize(frame, (max(1, width // block), max(1, height // block)), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)


def blur(clip: Clip, radius: float = 8.0, method: BlurMethod = "gaussian") -> Clip:
    """Blur every frame of ``clip``."""
    return MapClip(clip, lambda frame, _index: blur_frame(frame, radius, method))


@op("blur", version=1, params=BlurParams, kind=OpKind.FILTER,
    summary="Gaussian / box blur or pixelate (use inside a mask with 'masked').")
def _run(inputs, params: BlurParams, ctx):
    return blur(inputs[0], params.radius, params.method)
