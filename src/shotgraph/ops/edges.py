"""Edge guide videos for controlled generation: Canny (white on black; thresholds automatic from
the frame's median unless given) or ``soft`` edges, a multi-scale gradient magnitude with a fixed
response curve (HED-like, no model, no per-frame normalisation, so no flicker).

A shot whose steps end in ``{op: edges}`` is a guide video that ``generate`` takes as
``control: that_shot`` (so are ``depth`` and ``pose``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.clip import Clip, MapClip
from shotgraph.ops.registry import OpKind, op


class EdgesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["canny", "soft"] = Field("canny", description="canny (thin, binary) | soft (HED-like)")
    low: int | None = Field(None, ge=0, le=1000, description="canny lower threshold (default: from the median)")
    high: int | None = Field(None, ge=0, le=1000, description="canny upper threshold (default: from the median)")
    blur: float = Field(1.0, ge=0, le=20, description="Gaussian sigma before finding edges (noise suppression)")

    @model_validator(mode="after")
    def _thresholds(self):
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


def _grey(frame: np.ndarray, blur: float) -> np.ndarray:
    grey = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY)
    return cv2.GaussianBlur(grey, (0, 0), blur) if blur > 0 else grey


def canny_edges(frame: np.ndarray, low: int | None = None, high: int | None = None, blur: float = 1.0) -> np.ndarray:
    """White Canny edges on black (RGB). Without thresholds: 0.66x and 1.33x the median grey level."""
    grey = _grey(frame, blur)
    if low is None:
        median = float(np.median(grey))
        low, high = int(max(0, 0.66 * median)), int(min(255, 1.33 * median)) or 1
    edges = cv2.Canny(grey, low, high, L2gradient=True)
    return np.repeat(edges[..., None], 3, axis=2)


def soft_edges(frame: np.ndarray, blur: float = 1.0) -> np.ndarray:
    """Soft edges (RGB): the strongest gradient over three scales, through a fixed 1 - exp(-g/k) curve."""
    grey = _grey(frame, 0).astype(np.float32) / 255.0
    strongest = np.zeros_like(grey)
    for sigma in (max(blur, 0.5), 2 * max(blur, 0.5), 4 * max(blur, 0.5)):
        smooth = cv2.GaussianBlur(grey, (0, 0), sigma)
        gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
        # scale by sigma so a step edge gives about the same response at every scale
        np.maximum(strongest, np.hypot(gx, gy) * sigma, out=strongest)
    soft = (1.0 - np.exp(-strongest / 0.35)) * 255.0 + 0.5
    return np.repeat(soft.astype(np.uint8)[..., None], 3, axis=2)


def edges(clip: Clip, mode: str = "canny", low: int | None = None, high: int | None = None, blur: float = 1.0) -> Clip:
    """An edge guide video of ``clip`` (same size, rate and length; audio kept)."""
    if mode == "soft":
        return MapClip(clip, lambda frame, _i: soft_edges(frame, blur), video=replace(clip.video, alpha=False))
    return MapClip(clip, lambda frame, _i: canny_edges(frame, low, high, blur), video=replace(clip.video, alpha=False))




@op("edges", version=1, params=EdgesParams, kind=OpKind.FILTER,
    summary="Edge guide video: Canny or soft (HED-like) edges, white on black.")
def _run_edges(inputs, params: EdgesParams, ctx):
    return edges(inputs[0], **params.model_dump())
