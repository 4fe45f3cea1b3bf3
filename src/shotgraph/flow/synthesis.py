"""In-between frames from two frames and their bidirectional flow, at any time ``t`` in (0, 1).

For every pixel ``q`` of the frame at time ``t`` we need the motion ``u`` (frame a → frame b) of
the scene point passing through ``q``; then ``a`` sampled at ``q - t u`` and ``b`` sampled at
``q + (1 - t) u`` both show that point. Flow is known on the grids of ``a`` and ``b``, not at
``q``, so three candidates are derived at the working resolution:

- the linear blend ``(1 - t) F_ab(q) - t F_ba(q)`` (Jiang et al.'s approximation, smooth areas),
- the fixed point ``u = F_ab(q - t u)`` (follow the forward flow back to ``a``'s grid),
- the fixed point ``u = -F_ba(q + (1 - t) u)`` (follow the backward flow to ``b``'s grid),

and each pixel takes the candidate whose two samples agree best (bilateral matching error, box
filtered), which resolves motion boundaries that any single formula smears. The frames are then
warped at full resolution and blended with weights ``(1 - t)`` and ``t``, scaled down
for a side whose point is occluded (forward-backward consistency): revealed background comes from
the frame that shows it instead of ghosting. Where even the best candidate matches badly (motion
too fast or too blurred for flow), the result is softened instead of showing tearing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np

from shotgraph.flow.estimate import FlowEstimator, to_gray
from shotgraph.flow.warp import consistency_mask, resize_flow, warp

FIXED_POINT_STEPS = 3
MATCH_WINDOW = 7  # pixels (working resolution) over which candidate matching errors are pooled
OCCLUDED_WEIGHT = 0.05  # blend weight left to a side whose point is occluded (never exactly 0)
# Matching error (0-255 luma) from which the output is progressively softened, and how much.
UNRELIABLE_ERROR = 12.0
SOFTEN_SIGMA = 3.0
STILL_MOTION = 0.3  # pixels: slower "motion" is treated as none (see synthesize)


class PairSynthesizer(ABC):
    """Makes in-between frames for a pair of frames: :meth:`prepare` once per pair (the expensive
    part: flow or network features), then :meth:`frame` for each time ``t``."""

    #: whether :meth:`same_scene` can tell a cut from fast motion
    checks_continuity: bool = False

    def same_scene(self, state: Any) -> bool:
        """Whether the prepared pair shows one continuous scene (not a cut)."""
        return False

    @abstractmethod
    def prepare(self, a: np.ndarray, b: np.ndarray, cache: dict | None = None,
                keys: tuple[Any, Any] | None = None) -> Any:
        """Per-pair state. ``cache``/``keys`` let a caller share per-frame work between pairs."""

    @abstractmethod
    def frame(self, state: Any, t: float) -> np.ndarray:
        """The frame at time ``t`` in (0, 1) between the pair, same shape and dtype as the inputs."""


@dataclass
class FlowPair:
    a: np.ndarray
    b: np.ndarray
    forward: np.ndarray  # a→b at working resolution
    backward: np.ndarray  # b→a
    luma_a: np.ndarray  # float32 luma at working resolution
    luma_b: np.ndarray

    # Visibility is computed on first use: in a pipeline that is the thread making the frames,
    # which balances it against the one estimating flow.
    @cached_property
    def visible_a(self) -> np.ndarray:
        """float32 1 where a's pixel is also seen in b."""
        return consistency_mask(self.forward, self.backward).astype(np.float32)

    @cached_property
    def visible_b(self) -> np.ndarray:
        return consistency_mask(self.backward, self.forward).astype(np.float32)


# A pair is one scene when most pixels have consistent forward-backward flow and the frames line
# up after warping. Across a real cut flow finds no consistent matches, or matches that leave a
# large residual (measured: 30-60 grey levels); a fast pan of one scene leaves 2-8.
SAME_SCENE_VISIBLE = 0.5
SAME_SCENE_RESIDUAL = 16.0


class FlowSynthesizer(PairSynthesizer):
    """Motion-compensated in-betweens from any :class:`~shotgraph.flow.FlowEstimator`."""

    checks_continuity = True

    def same_scene(self, state: FlowPair) -> bool:
        visible = state.visible_a > 0.5
        if visible.mean() < SAME_SCENE_VISIBLE:
            return False
        residual = np.abs(warp(state.luma_b, state.forward) - state.luma_a)[visible].mean()
        return bool(residual < SAME_SCENE_RESIDUAL)

    def __init__(self, estimator: FlowEstimator):
        self.estimator = estimator

    def _prepared(self, frame: np.ndarray, cache: dict | None, key: Any) -> tuple[Any, np.ndarray]:
        if cache is not None and key in cache:
            return cache[key]
        prepared = self.estimator.prepare(frame)
        size = self.estimator.size_for(frame)
        if isinstance(prepared, np.ndarray) and prepared.ndim == 2 and prepared.shape[::-1] == size:
            luma = prepared.astype(np.float32)
        else:
            luma = to_gray(frame, size).astype(np.float32)
        if cache is not None:
            cache[key] = (prepared, luma)
        return prepared, luma

    def prepare(self, a, b, cache=None, keys=None):
        keys = keys or (None, None)
        prepared_a, luma_a = self._prepared(a, cache, keys[0])
        prepared_b, luma_b = self._prepared(b, cache, keys[1])
        forward = self.estimator.estimate(prepared_a, prepared_b)
        backward = self.estimator.estimate(prepared_b, prepared_a)
        return FlowPair(a, b, forward, backward, luma_a, luma_b)

    def frame(self, state: FlowPair, t: float) -> np.ndarray:
        return synthesize(state, t)


def _candidates(forward: np.ndarray, backward: np.ndarray, t: float) -> list[np.ndarray]:
    linear = (1 - t) * forward - t * backward
    from_a = linear
    from_b = linear
    for _ in range(FIXED_POINT_STEPS):
        from_a = warp(forward, -t * from_a)
        from_b = -warp(backward, (1 - t) * from_b)
    return [linear, from_a, from_b]


def motion_at(pair: FlowPair, t: float) -> tuple[np.ndarray, np.ndarray]:
    """The a→b motion of the point at each pixel of the time-``t`` frame (working resolution),
    and its pooled matching error."""
    best_motion = best_error = None
    for u in _candidates(pair.forward, pair.backward, t):
        error = cv2.absdiff(warp(pair.luma_a, -t * u), warp(pair.luma_b, (1 - t) * u))
        error = cv2.blur(error, (MATCH_WINDOW, MATCH_WINDOW))
        if best_motion is None:
            best_motion, best_error = u.copy(), error
            continue
        better = error < best_error
        best_motion[better] = u[better]
        best_error = np.minimum(error, best_error)
    return best_motion, best_error


def synthesize(pair: FlowPair, t: float, interpolation: str = "linear") -> np.ndarray:
    """The frame at time ``t`` between ``pair.a`` (t=0) and ``pair.b`` (t=1)."""
    height, width = pair.a.shape[:2]
    motion, error = motion_at(pair, t)
    # occlusion-aware weights, at working resolution
    seen_a = warp(pair.visible_a, -t * motion)
    seen_b = warp(pair.visible_b, (1 - t) * motion)
    weight_a = (1 - t) * (seen_a + OCCLUDED_WEIGHT)
    weight_b = t * (seen_b + OCCLUDED_WEIGHT)
    share_a = cv2.resize(weight_a / (weight_a + weight_b), (width, height), interpolation=cv2.INTER_LINEAR)
    if STILL_MOTION:
        # Near-zero motion is flow noise on a still area: sample it exactly, without resampling blur.
        still = (motion[..., 0] ** 2 + motion[..., 1] ** 2) < STILL_MOTION**2
        motion[still] = 0
    full_motion = resize_flow(motion, width, height)
    warped_a = warp(pair.a, -t * full_motion, interpolation)
    warped_b = warp(pair.b, (1 - t) * full_motion, interpolation)
    out = cv2.blendLinear(warped_a, warped_b, share_a, 1 - share_a)
    unreliable = error > UNRELIABLE_ERROR
    if unreliable.any():
        # soften only the rows and columns that need it (usually a small part of the frame)
        soften = np.clip(error / UNRELIABLE_ERROR - 1, 0, 1)
        soften = cv2.resize(cv2.GaussianBlur(soften, (0, 0), 2), (width, height), interpolation=cv2.INTER_LINEAR)
        rows, cols = np.nonzero(soften > 1e-3)
        if rows.size:
            margin = int(4 * SOFTEN_SIGMA)
            y0, y1 = max(rows.min() - margin, 0), min(rows.max() + margin + 1, height)
            x0, x1 = max(cols.min() - margin, 0), min(cols.max() + margin + 1, width)
            region = out[y0:y1, x0:x1]
            blurred = cv2.GaussianBlur(region, (0, 0), SOFTEN_SIGMA)
            weight = np.ascontiguousarray(soften[y0:y1, x0:x1])
            out[y0:y1, x0:x1] = cv2.blendLinear(blurred, region, weight, 1 - weight)
    return out
