"""Depth guide videos for controlled generation: a transformers depth model (Depth Anything V2 by
default), near = white. Each frame's depth range (2nd-98th percentile) is smoothed over time before
mapping to grey, so the exposure of the guide does not pump when something enters the frame.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.backends.depth.transformers_depth import DEFAULT_MODEL, TRANSFORMERS_DEPTH, predict_depth
from shotgraph.clip import Clip
from shotgraph.ops.registry import OpKind, op


class DepthParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(DEFAULT_MODEL, description="Hub id or local folder")
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
        super().__init__(replace(source.video, alpha=False), source.audio, source.name)
        self.source, self.model, self.smoothing, self.batch, self.threads = source, model, smoothing, batch, threads

    def _frames(self, start, stop):
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


def depth(clip: Clip, model: str = DEFAULT_MODEL, smoothing: float = 0.8,
          batch: int = 4, threads: int = 0) -> Clip:
    """A depth guide video of ``clip``: near is white. Needs the ``depth`` extra and the model's weights."""
    return DepthClip(clip, model, smoothing, batch, threads)


@op("depth", version=1, params=DepthParams, kind=OpKind.FILTER, backends=(TRANSFORMERS_DEPTH,),
    summary="Depth guide video from a transformers depth model (near = white).")
def _run_depth(inputs, params: DepthParams, ctx):
    return depth(inputs[0], params.model, params.smoothing, params.batch, ctx.threads)
