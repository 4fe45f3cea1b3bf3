"""Sharpen: unsharp mask on luma, with a threshold so flat areas and noise are left alone.

``detail = Y - gaussian(Y, radius)``; ``Y += amount * detail`` where ``|detail|`` exceeds
``threshold``, fully from twice the threshold (a soft knee, so there is no visible step). Working
on luma (BT.709 Y of the RGB) and adding the same change to R, G and B keeps hue and avoids colour
fringes. Alpha is kept.
"""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip, MapClip
from shotgraph.ops.registry import OpKind, op, python_params

LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # BT.709, the project's colour space


class SharpenParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: float = Field(0.8, ge=0, le=5, description="how much detail is added back (0: none)")
    radius: float = Field(1.0, gt=0, le=20, description="blur sigma in pixels: the size of detail sharpened")
    threshold: float = Field(2.0, ge=0, le=64, description="detail below this (8-bit levels) is left alone")


def sharpen_frame(frame: np.ndarray, amount: float = 0.8, radius: float = 1.0, threshold: float = 2.0) -> np.ndarray:
    if amount == 0:
        return frame
    rgb = frame[:, :, :3].astype(np.float32)
    luma = rgb @ LUMA
    detail = luma - cv2.GaussianBlur(luma, (0, 0), radius)
    if threshold > 0:
        # soft knee: full effect from twice the threshold, fading to none at the threshold
        detail *= np.clip(np.abs(detail) / threshold - 1, 0, 1)
    result = np.clip(rgb + (amount * detail)[:, :, None] + 0.5, 0, 255).astype(np.uint8)
    if frame.shape[2] == 4:
        result = np.dstack([result, frame[:, :, 3]])
    return result


def sharpen(clip: Clip, **options) -> Clip:
    """Unsharp-mask every frame of ``clip`` (see the module docstring); ``options`` are
    :class:`SharpenParams` fields (checked here, once). Audio is untouched."""
    return sharpened(clip, python_params("sharpen", options))


def sharpened(clip: Clip, params: SharpenParams) -> Clip:
    """The op's work on validated ``params``."""
    return MapClip(clip, lambda frame, _index: sharpen_frame(frame, params.amount, params.radius, params.threshold))


@op("sharpen", version=1, params=SharpenParams, kind=OpKind.FILTER,
    summary="Unsharp mask on luma, with a threshold that leaves flat areas and noise alone.")
def _run(inputs, params: SharpenParams, ctx):
    return sharpened(inputs[0], params)
