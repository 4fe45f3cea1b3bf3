"""Deflicker: temporal consistency for processed video (stylised, upscaled, generated frames).

Per-frame processing makes textures and colours shimmer from frame to frame even where the scene
is steady. Each output frame is pulled towards the previous *output* frame, warped along the
motion, wherever that prediction is trustworthy:

    out[k] = frame[k] + w * (warp(out[k-1], flow k→k-1) - frame[k])

applied first to the frame-wide colour shift (median over visible pixels: brightness and colour
pumping), then pixel by pixel, with ``w = strength`` where the pixel is visible in both frames (forward-backward consistency)
and the processed frame agrees with the prediction within ``tolerance`` grey levels, falling off
smoothly beyond it (so real changes, new objects and cuts come through). The motion is measured on
``source`` when given (the clean video the frames were made from: its flow is not disturbed by
the flicker) or else on the processed frames themselves, after normalising each frame's
brightness and contrast so that global flicker does not break brightness constancy.

The warping error (mean absolute difference between a frame and its flow-warped predecessor,
over consistently visible pixels, 0-255 scale) is measured on the same flows before and after
and reported when a render completes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip
from shotgraph.errors import ParamError
from shotgraph.backends.flow import FLOW_BACKENDS, make_flow_estimator
from shotgraph.flow.estimate import FlowEstimator, FlowPreset
from shotgraph.flow.warp import consistency_mask, resize_flow, warp
from shotgraph.ops.flow import FlowBackend
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import ClipRef, FileRef, renamed


class DeflickerParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _earlier_spelling = renamed({"method": "backend"})  # project files of earlier versions

    source: ClipRef | None = Field(None, description="the video these frames were made from (better motion)")
    strength: float = Field(0.8, ge=0, le=1, description="how much of the motion-predicted previous output "
                            "to keep where it is reliable (0 = off)")
    tolerance: float = Field(24.0, gt=0, description="grey levels of disagreement treated as flicker; larger "
                             "differences are real changes and pass through")
    backend: FlowBackend = Field("dis", description="flow: dis | farneback | raft")
    preset: FlowPreset = Field("medium", description="flow preset")
    flow_scale: float = Field(0.5, gt=0.05, le=1.0, description="working resolution of the flow")
    weights: FileRef | None = Field(None, description="RAFT checkpoint (default: the models folder)")


@dataclass
class WarpingErrorReport:
    """Mean warping error over the frames rendered so far (before = input, after = output)."""

    frames: int = 0
    before: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)

    @property
    def mean_before(self) -> float:
        return float(np.mean(self.before)) if self.before else 0.0

    @property
    def mean_after(self) -> float:
        return float(np.mean(self.after)) if self.after else 0.0

    def summary(self) -> str:
        return (f"deflicker: warping error {self.mean_before:.2f} -> {self.mean_after:.2f} "
                f"(mean over {len(self.before)} frame pairs, 0-255)")


def normalised_luma(frame: np.ndarray) -> np.ndarray:
    """Grey with mean 128 and a fixed spread, as 3 channels: what flow is measured on when the
    frames themselves flicker in brightness."""
    grey = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    grey = (grey - grey.mean()) * (48.0 / max(float(grey.std()), 1.0)) + 128.0
    grey = np.clip(grey + 0.5, 0, 255).astype(np.uint8)
    return np.dstack([grey, grey, grey])


def masked_difference(frame: np.ndarray, predicted: np.ndarray, mask: np.ndarray) -> float:
    diff = np.abs(frame[..., :3].astype(np.float32) - predicted[..., :3].astype(np.float32)).mean(axis=2)
    count = int(np.count_nonzero(mask))
    return float(diff[mask].sum() / count) if count else 0.0


class DeflickeredClip(Clip):
    """See the module docstring. Frames depend on all earlier ones, so every render starts at
    frame 0 (frames before ``start`` are computed and dropped)."""

    def __init__(self, clip: Clip, estimator: FlowEstimator, guide: Clip | None, strength: float, tolerance: float,
                 on_report: Callable[[WarpingErrorReport], None] | None = None):
        super().__init__(clip.video, clip.audio, clip.name)
        if guide is not None and guide.n_frames != clip.n_frames:
            raise ParamError(f"deflicker: source {guide.name} has {guide.n_frames} frames, "
                             f"the video has {clip.n_frames}: they must match frame for frame")
        self.clip = clip
        self.guide = guide
        self.estimator = estimator
        self.strength = strength
        self.tolerance = tolerance
        self.on_report = on_report
        self.report = WarpingErrorReport()

    def _guide_frames(self, stop: int):
        if self.guide is not None:
            for frame in self.guide.frames(0, stop):
                yield self.estimator.prepare(frame)
        else:
            for frame in self.clip.frames(0, stop):
                yield self.estimator.prepare(normalised_luma(frame))

    def _frames(self, start, stop):
        width, height = self.video.width, self.video.height
        report = WarpingErrorReport()
        previous_out = previous_in = previous_guide = None
        for index, (frame, guide) in enumerate(zip(self.clip.frames(0, stop), self._guide_frames(stop))):
            out = frame
            if previous_out is not None:
                to_previous = resize_flow(self.estimator.estimate(guide, previous_guide), width, height)
                to_current = resize_flow(self.estimator.estimate(previous_guide, guide), width, height)
                visible = consistency_mask(to_previous, to_current)
                predicted = warp(previous_out, to_previous)
                out = self._blend(frame, predicted, visible)
                report.before.append(masked_difference(frame, warp(previous_in, to_previous), visible))
                report.after.append(masked_difference(out, predicted, visible))
            if index == stop - 1:
                # before the last yield: the consumer stops pulling once it has all its frames
                report.frames = stop
                self.report = report
                if self.on_report is not None and start == 0 and stop == self.n_frames:
                    self.on_report(report)
            if index >= start:
                yield out
            previous_out, previous_in, previous_guide = out, frame, guide

    def _blend(self, frame: np.ndarray, predicted: np.ndarray, visible: np.ndarray) -> np.ndarray:
        current = frame.astype(np.float32)
        difference = predicted.astype(np.float32) - current
        # 1. the frame-wide colour shift (the commonest flicker): median over visible pixels,
        #    robust to the moving objects and new content that also differ
        if visible.any():
            shift = np.median(difference[::4, ::4][visible[::4, ::4]], axis=0)
            current += self.strength * shift
            difference -= self.strength * shift
        # 2. local shimmer: pull towards the prediction where they agree within the tolerance
        # agreement from colour distance, smoothed so isolated noisy pixels do not punch holes
        distance = np.abs(difference[..., :3]).mean(axis=2)
        distance = cv2.GaussianBlur(distance, (0, 0), 1.5)
        weight = self.strength * np.exp(-((distance / self.tolerance) ** 2)) * visible
        weight = cv2.GaussianBlur(weight.astype(np.float32), (0, 0), 1.0)
        return np.clip(current + weight[..., None] * difference + 0.5, 0, 255).astype(np.uint8)

    def _audio(self, start, stop):
        return self.clip.audio_samples(start, stop)


def deflicker(clip: Clip, source: Clip | None = None, strength: float = 0.8, tolerance: float = 24.0,
              backend: str = "dis", preset: FlowPreset = "medium", flow_scale: float = 0.5, weights=None,
              threads: int = 0, on_report: Callable[[WarpingErrorReport], None] | None = None) -> DeflickeredClip:
    """``clip`` with frame-to-frame flicker reduced (see the module docstring). ``source`` is the
    clip it was made from, if any (same frame count; any size). ``on_report`` receives the
    :class:`WarpingErrorReport` after a complete render; ``result.report`` holds the last one."""
    estimator = make_flow_estimator(backend, preset, flow_scale, weights, threads)
    return DeflickeredClip(clip, estimator, source, strength, tolerance, on_report)


def measure_warping_error(clip: Clip, guide: Clip | None = None, backend: str = "dis",
                          preset: FlowPreset = "medium", flow_scale: float = 0.5) -> float:
    """Mean warping error of ``clip`` (0-255), flow measured on ``guide`` if given (see module)."""
    result = deflicker(clip, guide, strength=0.0, backend=backend, preset=preset, flow_scale=flow_scale)
    for _ in result.frames():
        pass
    return result.report.mean_before


@op("deflicker", version=1, params=DeflickerParams, kind=OpKind.FILTER, backends=FLOW_BACKENDS,
    summary="Reduce frame-to-frame flicker of processed video with flow-warped previous frames.")
def _run(inputs, params: DeflickerParams, ctx):
    source = ctx.clip(params.source) if params.source else None
    weights = ctx.file(params.weights) if params.weights else None
    return deflicker(inputs[0], source, params.strength, params.tolerance, params.backend, params.preset,
                     params.flow_scale, weights, ctx.threads, on_report=lambda report: ctx.log(report.summary()))
