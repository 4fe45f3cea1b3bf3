"""Denoise: temporal, motion-compensated averaging (not a per-frame blur).

For each frame, its ``radius`` neighbours on each side are warped onto it with dense optical flow
and averaged with it. A neighbour pixel only counts where it matches the frame: the local (5x5)
mean squared difference between the warped neighbour and the frame is compared with what noise
alone would give (``2 sigma^2``), and the excess turns into a weight ``exp(-excess / strength)``.
Where flow fails (occlusions, fast motion, a scene cut) the weight falls to zero and the frame
keeps its own pixels, so moving things do not ghost and cuts do not bleed. Static and tracked
detail is kept because nothing is averaged spatially.

``sigma`` (noise standard deviation, in 8-bit levels) is estimated per frame when not given, from
the median absolute diagonal wavelet detail (Donoho's estimator), which edges barely disturb.

Frames stream through a sliding window of ``2 * radius + 1`` frames: memory does not grow with the
clip. Alpha is kept as is.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip
from shotgraph.flow import FlowPreset, compute_flow, warp
from shotgraph.ops.registry import OpKind, op, python_params

MATCH_WINDOW = 5  # side of the box over which a neighbour's match is judged


class DenoiseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    radius: int = Field(2, ge=1, le=4, description="neighbour frames used on each side")
    strength: float = Field(1.0, gt=0, le=8, description="tolerance for imperfectly aligned pixels (higher: smoother)")
    sigma: float | None = Field(None, gt=0, le=64, description="noise level in 8-bit levels (default: estimated per frame)")
    flow: FlowPreset = Field("medium", description="optical flow quality (DIS presets): ultrafast | fast | medium | fine")


def estimate_noise(frame: np.ndarray) -> float:
    """Noise standard deviation (8-bit levels) of an RGB(A) frame: median |HH| / 0.6745 of the
    finest Haar diagonal detail, per colour channel, averaged."""
    rgb = frame[: frame.shape[0] // 2 * 2, : frame.shape[1] // 2 * 2, :3].astype(np.float32)
    diagonal = (rgb[0::2, 0::2] - rgb[0::2, 1::2] - rgb[1::2, 0::2] + rgb[1::2, 1::2]) / 2
    return float(np.mean(np.median(np.abs(diagonal).reshape(-1, 3), axis=0)) / 0.6745)


def flow_image(frame: np.ndarray) -> np.ndarray:
    """The grey image flow is estimated on: lightly smoothed so noise does not steer the flow."""
    grey = cv2.cvtColor(np.ascontiguousarray(frame[:, :, :3]), cv2.COLOR_RGB2GRAY)
    return cv2.GaussianBlur(grey, (0, 0), 1.0)


def align_to(reference_grey: np.ndarray, neighbour_grey: np.ndarray, neighbour: np.ndarray,
             preset: FlowPreset = "medium") -> np.ndarray:
    """``neighbour`` (float32 RGB) warped onto the reference with dense optical flow (DIS,
    reference -> neighbour, then a backward warp)."""
    return warp(neighbour, compute_flow(reference_grey, neighbour_grey, "dis", preset))


def match_weight(reference: np.ndarray, warped: np.ndarray, sigma: float, strength: float) -> np.ndarray:
    """Per pixel, how far ``warped`` can be trusted as another noisy sample of ``reference`` (0..1)."""
    squared = np.mean((warped - reference) ** 2, axis=2)
    local = cv2.boxFilter(squared, -1, (MATCH_WINDOW, MATCH_WINDOW), borderType=cv2.BORDER_REFLECT)
    noise_only = 2.0 * max(sigma, 0.5) ** 2  # the difference of two samples has twice the variance
    excess = np.maximum(local / noise_only - 1.0, 0.0)
    return np.exp(-excess / strength)


def denoise_frame(frame: np.ndarray, frame_grey: np.ndarray, neighbours: Sequence[tuple[np.ndarray, np.ndarray]],
                  sigma: float | None = None, strength: float = 1.0, preset: FlowPreset = "medium",
                  pool: Executor | None = None) -> np.ndarray:
    """``frame`` averaged with its motion-compensated ``neighbours`` (pairs of frame, flow image)."""
    reference = frame[:, :, :3].astype(np.float32)
    sigma = estimate_noise(frame) if sigma is None else sigma

    def contribution(neighbour: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        other, other_grey = neighbour
        warped = align_to(frame_grey, other_grey, other[:, :, :3].astype(np.float32), preset)
        weight = match_weight(reference, warped, sigma, strength)
        return weight, warped

    total = reference.copy()
    weights = np.ones(reference.shape[:2], np.float32)
    for weight, warped in (pool.map(contribution, neighbours) if pool else map(contribution, neighbours)):
        total += weight[:, :, None] * warped
        weights += weight
    result = np.clip(total / weights[:, :, None] + 0.5, 0, 255).astype(np.uint8)
    if frame.shape[2] == 4:
        result = np.dstack([result, frame[:, :, 3]])
    return result


class DenoiseClip(Clip):
    """Temporal denoising over a sliding window of the source's frames."""

    def __init__(self, source: Clip, radius: int, strength: float, sigma: float | None, preset: FlowPreset,
                 threads: int):
        super().__init__(source.video, source.audio, source.name)
        self.source, self.radius, self.strength, self.sigma, self.preset = source, radius, strength, sigma, preset
        self.threads = threads

    def _frames(self, start, stop):
        if start == stop:
            return
        last = self.source.n_frames - 1
        first_needed, last_needed = max(0, start - self.radius), min(last, stop - 1 + self.radius)
        source = self.source.frames(first_needed, last_needed + 1)
        window: deque[tuple[int, np.ndarray, np.ndarray]] = deque()
        loaded = first_needed
        workers = min(self.threads, 2 * self.radius)
        with ThreadPoolExecutor(workers) as pool:
            for index in range(start, stop):
                while loaded <= min(last, index + self.radius):
                    frame = next(source)
                    window.append((loaded, frame, flow_image(frame)))
                    loaded += 1
                while window[0][0] < index - self.radius:
                    window.popleft()
                _, frame, grey = next(item for item in window if item[0] == index)
                neighbours = [(f, g) for i, f, g in window if i != index]
                yield denoise_frame(frame, grey, neighbours, self.sigma, self.strength, self.preset,
                                    pool if workers > 1 else None)
        source.close()

    def _audio(self, start, stop):
        return self.source.audio_samples(start, stop)


def denoise(clip: Clip, threads: int | None = None, **options) -> Clip:
    """Temporally denoise ``clip`` (see the module docstring); ``options`` are :class:`DenoiseParams`
    fields (checked here, once). Audio is untouched."""
    return denoised(clip, python_params("denoise", options), threads)


def denoised(clip: Clip, params: DenoiseParams, threads: int | None = None) -> Clip:
    """The op's work on validated ``params``."""
    return DenoiseClip(clip, params.radius, params.strength, params.sigma, params.flow, threads or os.cpu_count() or 1)


@op(
    "denoise",
    version=1,
    params=DenoiseParams,
    kind=OpKind.FILTER,
    summary="Temporal denoising: neighbours aligned by optical flow, averaged where they match.",
)
def _run(inputs, params: DenoiseParams, ctx):
    return denoised(inputs[0], params, ctx.threads or None)
