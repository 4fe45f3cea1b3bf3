"""Guide videos for controlled generation: ``depth``, ``edges`` (Canny or soft) and ``pose``.

Each turns a clip into the picture a ControlNet-style model is steered by, frame for frame, and is
an ordinary filter: a shot whose steps end in ``{op: edges}`` is a guide video that ``generate``
takes as ``control: that_shot``.

- ``edges``: Canny (white on black; thresholds automatic from the frame's median unless given) or
  ``soft`` edges, a multi-scale gradient magnitude with a fixed response curve (HED-like, no model,
  no per-frame normalisation, so no flicker).
- ``depth``: a transformers depth model (Depth Anything V2 by default), near = white. Each frame's
  depth range (2nd-98th percentile) is smoothed over time before mapping to grey, so the exposure
  of the guide does not pump when something enters the frame.
- ``pose``: mediapipe body landmarks drawn as an OpenPose skeleton (mediapipe's models ship in its
  wheel: offline, CPU).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.clip import Clip, MapClip
from shotgraph.ops.registry import Backend, OpKind, op

# -- edges ---------------------------------------------------------------------------------------


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
    EdgesParams(mode=mode, low=low, high=high, blur=blur)
    if mode == "soft":
        return MapClip(clip, lambda frame, _i: soft_edges(frame, blur), video=_rgb(clip))
    return MapClip(clip, lambda frame, _i: canny_edges(frame, low, high, blur), video=_rgb(clip))


def _rgb(clip: Clip):
    from dataclasses import replace

    return replace(clip.video, alpha=False)


@op("edges", version=1, params=EdgesParams, kind=OpKind.FILTER,
    summary="Edge guide video: Canny or soft (HED-like) edges, white on black.")
def _run_edges(inputs, params: EdgesParams, ctx):
    return edges(inputs[0], **params.model_dump())


# -- depth ---------------------------------------------------------------------------------------

DEPTH_BACKEND = Backend("transformers", "transformers depth model (Depth Anything V2 Small by default)",
                        ("torch", "transformers"), "generate",
                        "depth-anything/Depth-Anything-V2-Small-hf in $SHOTGRAPH_MODELS/depth/ or the HF cache")


class DepthParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field("depth-anything/Depth-Anything-V2-Small-hf", description="Hub id or local folder")
    smoothing: float = Field(0.8, ge=0, lt=1, description="how much each frame's depth range follows the "
                             "previous frames' (0: per-frame range, flickers)")
    batch: int = Field(4, ge=1, le=64, description="frames per model call")


class DepthRange:
    """Exponentially smoothed 2nd-98th percentile range of a depth stream."""

    def __init__(self, smoothing: float):
        self.smoothing = smoothing
        self.low: float | None = None
        self.high: float | None = None

    def to_grey(self, depth: np.ndarray) -> np.ndarray:
        low, high = np.percentile(depth, (2, 98))
        if self.low is None:
            self.low, self.high = float(low), float(high)
        else:
            s = self.smoothing
            self.low = s * self.low + (1 - s) * float(low)
            self.high = s * self.high + (1 - s) * float(high)
        scale = 255.0 / max(self.high - self.low, 1e-6)
        grey = np.clip((depth - self.low) * scale + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)


class DepthClip(Clip):
    """Depth guide frames, computed in batches. The smoothed range runs from frame 0, so reading from
    frame k first runs the range over frames 0..k-1 (depth only, cheap relative to the model)."""

    def __init__(self, source: Clip, model: str, smoothing: float, batch: int, threads: int = 0):
        super().__init__(_rgb(source), source.audio, source.name)
        self.source, self.model, self.smoothing, self.batch, self.threads = source, model, smoothing, batch, threads

    def _frames(self, start, stop):
        from shotgraph.backends.depth.transformers_depth import predict_depth

        tracker = DepthRange(self.smoothing)
        for chunk_start in range(0, stop, self.batch):
            chunk_stop = min(chunk_start + self.batch, stop)
            depths, _ = predict_depth(list(self.source.frames(chunk_start, chunk_stop)), self.model, self.threads)
            for index, depth in enumerate(depths, chunk_start):
                grey = tracker.to_grey(depth)
                if index >= start:
                    yield grey

    def _audio(self, start, stop):
        return self.source.audio_samples(start, stop)


def depth(clip: Clip, model: str = "depth-anything/Depth-Anything-V2-Small-hf", smoothing: float = 0.8,
          batch: int = 4, threads: int = 0) -> Clip:
    """A depth guide video of ``clip``: near is white. Needs the ``generate`` extra and the model's weights."""
    DEPTH_BACKEND.ensure()
    return DepthClip(clip, model, smoothing, batch, threads)


def _depth_weights(params: DepthParams) -> list[Path]:
    from shotgraph.backends.depth.transformers_depth import locate_model
    from shotgraph.backends.weights import installed

    return installed(lambda: locate_model(params.model))


@op("depth", version=1, params=DepthParams, kind=OpKind.FILTER, backends=(DEPTH_BACKEND,), weights=_depth_weights,
    summary="Depth guide video from a transformers depth model (near = white).")
def _run_depth(inputs, params: DepthParams, ctx):
    return depth(inputs[0], params.model, params.smoothing, params.batch, ctx.threads)


# -- pose ----------------------------------------------------------------------------------------

POSE_BACKEND = Backend("mediapipe", "mediapipe BlazePose (ships in the wheel), OpenPose-style drawing",
                       ("mediapipe",), "pose", "inside the mediapipe wheel")


class PoseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(0.5, ge=0, le=1, description="person detection threshold")


def pose(clip: Clip, min_confidence: float = 0.5) -> Clip:
    """A pose guide video of ``clip``: OpenPose skeletons on black (black where nobody is found)."""
    POSE_BACKEND.ensure()
    from shotgraph.backends.openpose_skeleton import PoseEstimator

    estimator = PoseEstimator(min_confidence)
    return MapClip(clip, lambda frame, _i: estimator.skeleton(frame), video=_rgb(clip))


@op("pose", version=1, params=PoseParams, kind=OpKind.FILTER, backends=(POSE_BACKEND,),
    summary="Pose guide video: mediapipe landmarks drawn as OpenPose skeletons.")
def _run_pose(inputs, params: PoseParams, ctx):
    return pose(inputs[0], params.min_confidence)

